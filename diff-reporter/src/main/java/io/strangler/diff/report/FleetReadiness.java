package io.strangler.diff.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strangler.diff.Verdict;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Readiness per API over every instance's {@link FleetCounters}: the minutes of the readiness
 * window summed across the fleet (or one instance), through the same gate as {@link Readiness}.
 *
 * <p>The window is whole minutes of the writers' clocks: the {@code ceil(window / 1 min)} minutes
 * up to the reader's current one, plus the minute after it, so that a writer whose clock runs up to
 * a minute ahead is counted. Minutes written late are counted as soon as they are written. Latency
 * percentiles come from {@link LatencyBuckets} (within 19%).
 *
 * <p>Reads query PostgreSQL: call them off any event loop. The fleet-wide view is cached for half a
 * second, so the page, the CLI and the cut-over gates polling it cost one query between them.
 *
 * @throws IllegalStateException (from every read) when the database cannot be read
 */
public final class FleetReadiness implements ReadinessView {
  /** An instance that flushed within this long, and has not stopped, is live. */
  public static final Duration LIVE_WITHIN = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Verdict[] VERDICTS = Verdict.values();
  private static final long CACHE_NANOS = Duration.ofMillis(500).toNanos();
  private static final int QUERY_TIMEOUT_SECONDS = 10;
  private static final String ROWS =
      "SELECT api, verdicts, legacy_calls, legacy_errors, legacy_timeouts, legacy_latency,"
          + " new_calls, new_errors, new_timeouts, new_latency"
          + " FROM diff_fleet_minute WHERE minute >= ? AND minute <= ?";
  private static final String INSTANCES =
      "SELECT i.instance, i.run_id, i.started_at, i.last_flush_at, i.stopped_at,"
          + " (i.stopped_at IS NULL AND i.last_flush_at > now() - make_interval(secs => ?)) AS live,"
          + " COALESCE(m.compared, 0) AS compared"
          + " FROM diff_fleet_instance i LEFT JOIN ("
          + "   SELECT instance, run_id, sum(compared) AS compared FROM diff_fleet_minute"
          + "   WHERE minute >= ? AND minute <= ? GROUP BY instance, run_id) m"
          + " ON m.instance = i.instance AND m.run_id = i.run_id"
          + " WHERE i.last_flush_at >= ? OR m.compared IS NOT NULL"
          + " ORDER BY i.instance, i.started_at";

  private final DataSource dataSource;
  private final DiffConfig config;
  private final ReadinessGate gate;
  private final Clock clock;
  private final long windowMinutes;
  private final Object cacheLock = new Object();
  private List<ApiReadiness> cached;
  private long cachedAtNanos;

  /**
   * One instance's run as the fleet table knows it.
   *
   * @param compared calls it compared in the current window
   * @param live it flushed within {@link #LIVE_WITHIN} and has not stopped
   */
  public record Instance(
      String instance,
      UUID run,
      Instant startedAt,
      Instant lastFlushAt,
      Instant stoppedAt,
      boolean live,
      long compared) {}

  FleetReadiness(DataSource dataSource, DiffConfig config, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.config = Objects.requireNonNull(config, "config");
    this.gate = new ReadinessGate(config);
    this.clock = Objects.requireNonNull(clock, "clock");
    long windowMillis = config.readinessWindow().toMillis();
    this.windowMinutes = Math.max(1, Math.ceilDiv(windowMillis, FleetCounters.MINUTE_MILLIS));
  }

  /** The fleet's readiness per API (every API configured, and every one any instance counted). */
  @Override
  public List<ApiReadiness> all() {
    synchronized (cacheLock) {
      long now = System.nanoTime();
      if (cached != null && now - cachedAtNanos < CACHE_NANOS) {
        return cached;
      }
      cached = List.copyOf(read(Optional.empty()));
      cachedAtNanos = now;
      return cached;
    }
  }

  @Override
  public ApiReadiness of(String api) {
    for (ApiReadiness r : all()) {
      if (r.api().equals(api)) {
        return r;
      }
    }
    Totals none = new Totals();
    return gate.readiness(api, none.verdicts, none.legacy.stats(), none.newer.stats());
  }

  /** One instance's readiness per API, from what it wrote (every run of that id, summed). */
  public List<ApiReadiness> ofInstance(String instance) {
    return read(Optional.of(Objects.requireNonNull(instance, "instance")));
  }

  /** The instances that wrote in the window or flushed within it, by id, oldest run first. */
  public List<Instance> instances() {
    long[] range = range();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(INSTANCES)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      ps.setDouble(1, LIVE_WITHIN.toMillis() / 1000.0);
      ps.setObject(2, at(range[0]));
      ps.setObject(3, at(range[1]));
      ps.setObject(4, at(range[0]));
      List<Instance> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OffsetDateTime stopped = rs.getObject("stopped_at", OffsetDateTime.class);
          out.add(
              new Instance(
                  rs.getString("instance"),
                  rs.getObject("run_id", UUID.class),
                  rs.getObject("started_at", OffsetDateTime.class).toInstant(),
                  rs.getObject("last_flush_at", OffsetDateTime.class).toInstant(),
                  stopped == null ? null : stopped.toInstant(),
                  rs.getBoolean("live"),
                  rs.getLong("compared")));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("Reading the fleet's instances failed", e);
    }
  }

  /** The minutes read, as epoch millis: the first and the last (inclusive). */
  private long[] range() {
    long current = Math.floorDiv(clock.millis(), FleetCounters.MINUTE_MILLIS);
    return new long[] {
      (current - windowMinutes + 1) * FleetCounters.MINUTE_MILLIS,
      (current + 1) * FleetCounters.MINUTE_MILLIS
    };
  }

  private static OffsetDateTime at(long millis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  private List<ApiReadiness> read(Optional<String> instance) {
    long[] range = range();
    Map<String, Totals> byApi = new TreeMap<>();
    for (String api : config.apis()) {
      byApi.put(api, new Totals());
    }
    String sql = instance.isPresent() ? ROWS + " AND instance = ?" : ROWS;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      ps.setObject(1, at(range[0]));
      ps.setObject(2, at(range[1]));
      if (instance.isPresent()) {
        ps.setString(3, instance.get());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byApi.computeIfAbsent(rs.getString("api"), a -> new Totals()).add(rs);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Reading the fleet's counters failed", e);
    }
    List<ApiReadiness> out = new ArrayList<>(byApi.size());
    byApi.forEach(
        (api, t) -> out.add(gate.readiness(api, t.verdicts, t.legacy.stats(), t.newer.stats())));
    return out;
  }

  /** One API's sums over the rows read. */
  private static final class Totals {
    final long[] verdicts = new long[VERDICTS.length];
    final BackendTotals legacy = new BackendTotals();
    final BackendTotals newer = new BackendTotals();

    void add(ResultSet rs) throws SQLException {
      JsonNode counts;
      try {
        counts = JSON.readTree(rs.getString("verdicts"));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new SQLException("verdicts of a fleet counter row are not JSON", e);
      }
      for (Map.Entry<String, JsonNode> f : counts.properties()) {
        verdict(f.getKey()).ifPresent(v -> verdicts[v.ordinal()] += f.getValue().asLong());
      }
      legacy.add(rs, "legacy_");
      newer.add(rs, "new_");
    }

    /** A verdict a newer version wrote and this one does not know is left out. */
    private static Optional<Verdict> verdict(String name) {
      try {
        return Optional.of(Verdict.valueOf(name.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  private static final class BackendTotals {
    long calls;
    long errors;
    long timeouts;
    final long[] latency = new long[LatencyBuckets.COUNT];

    void add(ResultSet rs, String prefix) throws SQLException {
      calls += rs.getLong(prefix + "calls");
      errors += rs.getLong(prefix + "errors");
      timeouts += rs.getLong(prefix + "timeouts");
      Array array = rs.getArray(prefix + "latency");
      Object[] counts = (Object[]) array.getArray();
      for (int i = 0; i < Math.min(counts.length, latency.length); i++) {
        latency[i] += ((Number) counts[i]).longValue();
      }
      array.free();
    }

    ApiReadiness.BackendStats stats() {
      return new ApiReadiness.BackendStats(
          calls,
          errors,
          timeouts,
          calls == 0 ? null : (errors + timeouts) * 100.0 / calls,
          LatencyBuckets.percentileMs(latency, 50),
          LatencyBuckets.percentileMs(latency, 99));
    }
  }
}
