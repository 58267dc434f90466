package io.strangler.diff.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.common.RateLimitedLog;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of the fleet's numbers: per API and per minute of its own clock, the
 * results by verdict and each backend's calls, errors, timeouts and latency counts in {@link
 * LatencyBuckets}, written to PostgreSQL (table {@code diff_fleet_minute}) so that {@link
 * FleetReadiness} can add up every instance's.
 *
 * <p>Off the hot path: {@link #onResult} adds to counters in memory (a diff worker's thread; no
 * I/O); a background thread writes the minutes that changed every flush interval, one transaction
 * per flush. A row holds this run's totals for its minute, so writing it again is harmless and a
 * flush that failed is simply retried at the next one. While the database is unreachable the
 * counters are kept, at most {@code maxHeldMinutes} minutes per API: older ones are then dropped
 * and counted. Each instance also keeps its row of {@code diff_fleet_instance} up to date (last
 * flush, and stopped at a clean close), from which readers list the fleet.
 *
 * <p>Minutes are the writer's: a reader whose clock is off by less than a minute still sums them
 * into the right window, and a write that arrives late lands in the minute it counted.
 */
public final class FleetCounters implements DiffListener, AutoCloseable {
  /** How often counters are written, unless configured. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(2);

  static final long MINUTE_MILLIS = 60_000;
  private static final Logger log = LoggerFactory.getLogger(FleetCounters.class);
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Verdict[] VERDICTS = Verdict.values();
  private static final int QUERY_TIMEOUT_SECONDS = 10;
  private static final String UPSERT =
      "INSERT INTO diff_fleet_minute (instance, run_id, api, minute, verdicts, compared,"
          + " consistent, not_compared, legacy_calls, legacy_errors, legacy_timeouts,"
          + " legacy_latency, new_calls, new_errors, new_timeouts, new_latency, written_at)"
          + " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
          + " ON CONFLICT (instance, run_id, api, minute) DO UPDATE SET"
          + " verdicts = excluded.verdicts, compared = excluded.compared,"
          + " consistent = excluded.consistent, not_compared = excluded.not_compared,"
          + " legacy_calls = excluded.legacy_calls, legacy_errors = excluded.legacy_errors,"
          + " legacy_timeouts = excluded.legacy_timeouts, legacy_latency = excluded.legacy_latency,"
          + " new_calls = excluded.new_calls, new_errors = excluded.new_errors,"
          + " new_timeouts = excluded.new_timeouts, new_latency = excluded.new_latency,"
          + " written_at = now()";
  private static final String HEARTBEAT =
      "INSERT INTO diff_fleet_instance (instance, run_id) VALUES (?, ?)"
          + " ON CONFLICT (instance, run_id) DO UPDATE SET last_flush_at = now()";
  private static final String STOPPED =
      "INSERT INTO diff_fleet_instance (instance, run_id, stopped_at) VALUES (?, ?, now())"
          + " ON CONFLICT (instance, run_id) DO UPDATE SET last_flush_at = now(), stopped_at = now()";
  private static final String PURGE = "DELETE FROM diff_fleet_minute WHERE minute < ?";

  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final String instance;
  private final UUID run = UUID.randomUUID();
  private final Clock clock;
  private final Options options;
  private final ConcurrentHashMap<String, ApiMinutes> apis = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor flusher;
  private final Object flushLock = new Object();
  private final LongAdder rowsWritten = new LongAdder();
  private final LongAdder flushFailures = new LongAdder();
  private final LongAdder droppedMinutes = new LongAdder();
  private final RateLimitedLog failures = new RateLimitedLog(log, Duration.ofSeconds(30));
  private final List<AutoCloseable> instruments = new CopyOnWriteArrayList<>();
  private volatile Instant lastFlush;
  private volatile boolean closed;
  private long lastPurgeMillis;

  /**
   * How the counters are kept and written.
   *
   * @param flushInterval how often changed minutes are written (100 ms .. 1 min)
   * @param maxHeldMinutes the minutes kept per API while they cannot be written (at least 2)
   * @param retention rows older than this (by minute) are deleted, checked every 10 minutes
   */
  public record Options(Duration flushInterval, int maxHeldMinutes, Duration retention) {
    public Options {
      Objects.requireNonNull(flushInterval, "flushInterval");
      Objects.requireNonNull(retention, "retention");
      if (flushInterval.compareTo(Duration.ofMillis(100)) < 0
          || flushInterval.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "flushInterval must be within 100 ms .. 1 min, got " + flushInterval);
      }
      if (maxHeldMinutes < 2) {
        throw new IllegalArgumentException(
            "maxHeldMinutes must be at least 2, got " + maxHeldMinutes);
      }
      if (retention.compareTo(Duration.ofHours(1)) < 0) {
        throw new IllegalArgumentException("retention must be at least 1 hour, got " + retention);
      }
    }

    /** Every 2 s; an hour held while the database is down; a week kept. */
    public static Options defaults() {
      return new Options(DEFAULT_FLUSH_INTERVAL, 60, Duration.ofDays(7));
    }

    public Options withFlushInterval(Duration interval) {
      return new Options(interval, maxHeldMinutes, retention);
    }
  }

  private FleetCounters(
      DataSource dataSource,
      HikariDataSource ownedPool,
      String instance,
      Clock clock,
      Options options) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.instance = checkInstance(instance);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.options = Objects.requireNonNull(options, "options");
    this.lastPurgeMillis = clock.millis();
    this.flusher =
        new ScheduledThreadPoolExecutor(
            1,
            r -> Thread.ofPlatform().name("diff-fleet-flush").daemon(true).unstarted(r),
            new ScheduledThreadPoolExecutor.DiscardPolicy());
    long every = options.flushInterval().toMillis();
    flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Counters of {@code instance} written through {@code dataSource}, which the caller owns.
   * Migrates the tables first (with the mismatch store's migrations).
   */
  public static FleetCounters open(
      DataSource dataSource, String instance, Clock clock, Options options) {
    MismatchStore.migrate(dataSource);
    return new FleetCounters(dataSource, null, instance, clock, options);
  }

  /** As above, over a small pool of its own ({@code diff-fleet}), closed with the counters. */
  public static FleetCounters open(
      String jdbcUrl, String user, String password, String instance, Clock clock, Options options) {
    checkInstance(instance);
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("diff-fleet");
    hikari.setJdbcUrl(jdbcUrl);
    hikari.setUsername(user);
    hikari.setPassword(password);
    // The flusher and the readers of the fleet's readiness.
    hikari.setMaximumPoolSize(3);
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(5_000);
    HikariDataSource pool = new HikariDataSource(hikari);
    try {
      MismatchStore.migrate(pool);
      return new FleetCounters(pool, pool, instance, clock, options);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** The fleet's readiness read through this store's connections, on {@code config}'s gate. */
  public FleetReadiness readiness(DiffConfig config, Clock readerClock) {
    return new FleetReadiness(dataSource, config, readerClock);
  }

  /** This instance's id, as written. */
  public String instance() {
    return instance;
  }

  /** This process's run, as written. */
  public UUID run() {
    return run;
  }

  /** When the counters were last written in full; null before the first flush. */
  public Instant lastFlush() {
    return lastFlush;
  }

  /** Rows written so far (a minute written twice counts twice). */
  public long rowsWritten() {
    return rowsWritten.sum();
  }

  /** Flushes that failed (the minutes stayed in memory for the next one). */
  public long flushFailures() {
    return flushFailures.sum();
  }

  /** Minutes dropped unwritten because more than {@code maxHeldMinutes} piled up. */
  public long droppedMinutes() {
    return droppedMinutes.sum();
  }

  /**
   * Rows (one API's minute) counted and not written yet: at most {@code maxHeldMinutes} per API.
   */
  public long pendingRows() {
    long n = 0;
    for (ApiMinutes m : apis.values()) {
      n += m.pending();
    }
    return n;
  }

  /**
   * Exports the writer's figures through {@code meters} (docs/metrics.md, "Fleet counters"), read
   * at each collection, until this is closed: rows dropped unwritten, flushes that failed, and rows
   * waiting to be written.
   */
  public void registerMetrics(MeterProvider meters) {
    Meter m = meters.get("io.strangler.diff.fleet");
    instruments.add(
        m.counterBuilder("strangler.fleet.rows.dropped")
            .setDescription(
                "Rows of fleet counters (one API's minute) dropped unwritten: more than"
                    + " maxHeldMinutes piled up while PostgreSQL could not be written")
            .buildWithCallback(o -> o.record(droppedMinutes())));
    instruments.add(
        m.counterBuilder("strangler.fleet.flush.failures")
            .setDescription("Writes of the fleet counters that failed (the minutes stay held)")
            .buildWithCallback(o -> o.record(flushFailures())));
    instruments.add(
        m.gaugeBuilder("strangler.fleet.rows.pending")
            .ofLongs()
            .setDescription("Rows of fleet counters (one API's minute) waiting to be written")
            .buildWithCallback(o -> o.record(pendingRows())));
  }

  @Override
  public void onResult(DiffResult result) {
    long minute = Math.floorDiv(clock.millis(), MINUTE_MILLIS);
    ApiMinutes m = apis.get(result.api());
    if (m == null) {
      m = apis.computeIfAbsent(result.api(), a -> new ApiMinutes());
    }
    m.record(minute, result);
  }

  /**
   * Writes every minute that changed since it was last written, now, on the caller's thread.
   *
   * @throws IllegalStateException when the database cannot be written (the minutes stay held)
   */
  public void flush() {
    synchronized (flushLock) {
      long now = clock.millis();
      long currentMinute = Math.floorDiv(now, MINUTE_MILLIS);
      List<Pending> pending = new ArrayList<>();
      apis.forEach((api, m) -> m.dirty(api, pending));
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          if (!pending.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
              ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
              for (Pending p : pending) {
                bind(c, ps, p);
                ps.addBatch();
              }
              ps.executeBatch();
            }
          }
          try (PreparedStatement ps = c.prepareStatement(closed ? STOPPED : HEARTBEAT)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, instance);
            ps.setObject(2, run);
            ps.executeUpdate();
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        flushFailures.increment();
        throw new IllegalStateException(
            "Writing " + pending.size() + " minutes of fleet counters failed", e);
      }
      for (Pending p : pending) {
        apis.get(p.api).written(p.minute, p.version);
      }
      rowsWritten.add(pending.size());
      lastFlush = Instant.ofEpochMilli(now);
      apis.values().forEach(m -> m.prune(currentMinute));
      if (now - lastPurgeMillis >= Duration.ofMinutes(10).toMillis()) {
        lastPurgeMillis = now;
        purge(now);
      }
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      failures.warn(
          "Writing the fleet counters failed; they are kept and written at the next flush", e);
    }
  }

  private void purge(long now) {
    Instant cutoff = Instant.ofEpochMilli(now).minus(options.retention());
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(PURGE)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      ps.setObject(1, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
      int deleted = ps.executeUpdate();
      if (deleted > 0) {
        log.info("Deleted {} fleet counter rows older than {}", deleted, options.retention());
      }
    } catch (SQLException e) {
      failures.warn("Deleting old fleet counter rows failed; trying again later", e);
    }
  }

  private void bind(Connection c, PreparedStatement ps, Pending p) throws SQLException {
    Counts n = p.counts;
    ObjectNode verdicts = JSON.createObjectNode();
    long compared = 0;
    long consistent = 0;
    long notCompared = 0;
    for (Verdict v : VERDICTS) {
      long count = n.verdicts[v.ordinal()];
      verdicts.put(v.name().toLowerCase(Locale.ROOT), count);
      if (ReadinessGate.compared(v)) {
        compared += count;
        consistent += ReadinessGate.consistent(v) ? count : 0;
      } else {
        notCompared += count;
      }
    }
    int i = 1;
    ps.setString(i++, instance);
    ps.setObject(i++, run);
    ps.setString(i++, p.api);
    ps.setObject(
        i++,
        OffsetDateTime.ofInstant(Instant.ofEpochMilli(p.minute * MINUTE_MILLIS), ZoneOffset.UTC));
    ps.setString(i++, verdicts.toString());
    ps.setLong(i++, compared);
    ps.setLong(i++, consistent);
    ps.setLong(i++, notCompared);
    i = bindBackend(c, ps, i, n.legacy);
    bindBackend(c, ps, i, n.newer);
  }

  private static int bindBackend(Connection c, PreparedStatement ps, int i, BackendCounts b)
      throws SQLException {
    ps.setLong(i++, b.calls);
    ps.setLong(i++, b.errors);
    ps.setLong(i++, b.timeouts);
    Long[] latency = new Long[b.latency.length];
    for (int k = 0; k < latency.length; k++) {
      latency[k] = b.latency[k];
    }
    Array array = c.createArrayOf("bigint", latency);
    ps.setArray(i++, array);
    return i;
  }

  /**
   * Writes what is held (waiting at most the query timeout), marks this run stopped and closes the
   * pool if the counters made it. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    flusher.shutdownNow();
    try {
      flusher.awaitTermination(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn(
          "Writing the fleet counters at close failed; the last {} of them are lost",
          options.flushInterval(),
          e);
    }
    if (ownedPool != null) {
      ownedPool.close();
    }
    for (AutoCloseable i : instruments) {
      try {
        i.close();
      } catch (Exception e) {
        log.warn("Removing a fleet counters instrument failed", e);
      }
    }
    instruments.clear();
  }

  private static String checkInstance(String instance) {
    Objects.requireNonNull(instance, "instance");
    if (instance.isBlank() || instance.length() > 200) {
      throw new IllegalArgumentException(
          "an instance id is 1..200 characters, got '" + instance + "'");
    }
    return instance;
  }

  /** A minute's counts copied for writing, with the version it was copied at. */
  private record Pending(String api, long minute, long version, Counts counts) {}

  /** One API's minutes not yet written, or written and still current. */
  private final class ApiMinutes {
    private final TreeMap<Long, Counts> minutes = new TreeMap<>();

    synchronized void record(long minute, DiffResult result) {
      Counts c = minutes.get(minute);
      if (c == null) {
        c = new Counts();
        minutes.put(minute, c);
        while (minutes.size() > options.maxHeldMinutes()) {
          Map.Entry<Long, Counts> oldest = minutes.pollFirstEntry();
          if (oldest.getValue().version != oldest.getValue().writtenVersion) {
            droppedMinutes.increment();
            failures.warn(
                "Fleet counters of "
                    + options.maxHeldMinutes()
                    + " minutes are waiting to be"
                    + " written; the oldest minute is dropped",
                null);
          }
        }
      }
      c.verdicts[result.verdict().ordinal()]++;
      c.legacy.record(result.call().legacySide(), result.call().latency(Side.LEGACY));
      c.newer.record(result.call().newSide(), result.call().latency(Side.NEW));
      c.version++;
    }

    synchronized int pending() {
      int n = 0;
      for (Counts c : minutes.values()) {
        if (c.version != c.writtenVersion) {
          n++;
        }
      }
      return n;
    }

    synchronized void dirty(String api, List<Pending> into) {
      minutes.forEach(
          (minute, c) -> {
            if (c.version != c.writtenVersion) {
              into.add(new Pending(api, minute, c.version, c.copy()));
            }
          });
    }

    synchronized void written(long minute, long version) {
      Counts c = minutes.get(minute);
      if (c != null && c.writtenVersion < version) {
        c.writtenVersion = version;
      }
    }

    /**
     * Forgets the written minutes before the previous one: nothing adds to them any more (the
     * previous one is kept, so a clock stepped back a little adds to its counts, never restarts
     * them).
     */
    synchronized void prune(long currentMinute) {
      Iterator<Map.Entry<Long, Counts>> it = minutes.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<Long, Counts> e = it.next();
        if (e.getKey() < currentMinute - 1 && e.getValue().version == e.getValue().writtenVersion) {
          it.remove();
        }
      }
    }
  }

  /** One API's counts in one minute. */
  private static final class Counts {
    final long[] verdicts = new long[VERDICTS.length];
    final BackendCounts legacy = new BackendCounts();
    final BackendCounts newer = new BackendCounts();
    long version;
    long writtenVersion;

    Counts copy() {
      Counts c = new Counts();
      System.arraycopy(verdicts, 0, c.verdicts, 0, verdicts.length);
      c.legacy.add(legacy);
      c.newer.add(newer);
      return c;
    }
  }

  /** One backend's counts in one minute. */
  static final class BackendCounts {
    long calls;
    long errors;
    long timeouts;
    final long[] latency = new long[LatencyBuckets.COUNT];

    /**
     * As {@link Readiness} counts a backend: dropped calls are not calls, timeouts have no latency.
     */
    void record(Observed observed, Duration took) {
      switch (observed) {
        case Observed.Answer a -> calls++;
        case Observed.Failure f -> {
          calls++;
          errors++;
        }
        case Observed.TimedOut t -> {
          calls++;
          timeouts++;
        }
        case Observed.Dropped d -> {
          return;
        }
      }
      if (took != null && !(observed instanceof Observed.TimedOut)) {
        latency[LatencyBuckets.index(Math.max(1, took.toNanos() / 1000))]++;
      }
    }

    void add(BackendCounts other) {
      calls += other.calls;
      errors += other.errors;
      timeouts += other.timeouts;
      for (int i = 0; i < latency.length; i++) {
        latency[i] += other.latency[i];
      }
    }
  }
}
