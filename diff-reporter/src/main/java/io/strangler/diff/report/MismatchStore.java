package io.strangler.diff.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.common.QueueDrain;
import io.strangler.common.RateLimitedLog;
import io.strangler.diff.Classification;
import io.strangler.diff.FieldDiff;
import io.strangler.diff.Observed;
import io.strangler.diff.Verdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mismatch samples in PostgreSQL: for each inconsistent call (MISMATCH, BOTH_ERROR_DIFFERENT,
 * AUTHORITATIVE_ERROR, SHADOW_ERROR) the request, both answers, the field differences and the
 * unified diff, in table {@code diff_mismatch_sample} (Flyway, history table {@code
 * flyway_diff_history}, migrations {@code db/migration/diff}).
 *
 * <p>Off the pipeline's threads: {@link #onResult} checks the API's cap for the current clock hour
 * (counted in memory, so a capped sample costs nothing) and puts the sample on a bounded queue,
 * dropping and counting when it is full; one writer thread writes the queue in batches. Samples
 * older than the retention are deleted periodically. Answers are stored as {@code jsonb}, so their
 * field order is PostgreSQL's, not the backend's.
 *
 * <p>{@link #recent} and {@link #byId} query the database: call them off any event loop.
 */
public final class MismatchStore implements SampleStore, AutoCloseable {
  static final String HISTORY_TABLE = "flyway_diff_history";
  static final String MIGRATIONS = "classpath:db/migration/diff";
  static final int MAX_LIMIT = 1_000;

  private static final Logger log = LoggerFactory.getLogger(MismatchStore.class);
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final TypeReference<List<FieldDiff>> DIFFS = new TypeReference<>() {};
  private static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();

  private static final String INSERT =
      "INSERT INTO diff_mismatch_sample (api, request_id, at, verdict, mode, recheck, request,"
          + " legacy_outcome, legacy_answer, new_outcome, new_answer, field_diffs, unified_diff)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?)";
  private static final String COLUMNS =
      "SELECT id, api, request_id, at, verdict, mode, recheck, request, legacy_outcome,"
          + " legacy_answer, new_outcome, new_answer, field_diffs, unified_diff"
          + " FROM diff_mismatch_sample";
  private static final String RECENT = COLUMNS + " ORDER BY at DESC, id DESC LIMIT ?";
  private static final String RECENT_OF_API =
      COLUMNS + " WHERE api = ? ORDER BY at DESC, id DESC LIMIT ?";
  private static final String BY_ID = COLUMNS + " WHERE id = ?";
  private static final String PURGE = "DELETE FROM diff_mismatch_sample WHERE at < ?";

  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final Clock clock;
  private final int perApiPerHour;
  private final Duration retention;
  private final ConcurrentHashMap<String, HourCap> caps = new ConcurrentHashMap<>();
  private final LabeledCounts counts = new LabeledCounts();
  private final QueueDrain<DiffResult> writer;
  private final ScheduledThreadPoolExecutor retentionTimer;
  private final RateLimitedLog failures = new RateLimitedLog(log, Duration.ofSeconds(30));

  private MismatchStore(
      DataSource dataSource, HikariDataSource ownedPool, DiffConfig config, Clock clock) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.perApiPerHour = config.samplesPerApiPerHour();
    this.retention = config.sampleRetention();
    this.retentionTimer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> Thread.ofPlatform().name("diff-sample-retention").daemon(true).unstarted(r),
            new ScheduledThreadPoolExecutor.DiscardPolicy());
    long every = config.retentionInterval().toMillis();
    this.writer =
        QueueDrain.start(
            "diff-sample-writer",
            config.sampleQueueCapacity(),
            config.sampleBatchSize(),
            this::insert);
    retentionTimer.scheduleWithFixedDelay(this::purgeQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * A store over {@code dataSource}, which the caller owns and closes. Migrates the table first.
   *
   * @throws org.flywaydb.core.api.FlywayException if the migration fails
   */
  public static MismatchStore open(DataSource dataSource, DiffConfig config, Clock clock) {
    migrate(dataSource);
    return new MismatchStore(dataSource, null, config, clock);
  }

  /**
   * A store with its own small connection pool (HikariCP, pool {@code diff-samples}), closed with
   * the store. Migrates the table first.
   */
  public static MismatchStore open(
      String jdbcUrl, String user, String password, DiffConfig config, Clock clock) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("diff-samples");
    hikari.setJdbcUrl(jdbcUrl);
    hikari.setUsername(user);
    hikari.setPassword(password);
    // One writer, the retention task and the odd admin query.
    hikari.setMaximumPoolSize(3);
    hikari.setMinimumIdle(1);
    HikariDataSource pool = new HikariDataSource(hikari);
    try {
      migrate(pool);
      return new MismatchStore(pool, pool, config, clock);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Creates or upgrades the sample table. Its history table is its own, so the database may hold
   * another application's schema (and Flyway history): an existing schema is baselined at version
   * 0, below this store's first migration.
   */
  static void migrate(DataSource dataSource) {
    Flyway.configure(MismatchStore.class.getClassLoader())
        .dataSource(dataSource)
        .table(HISTORY_TABLE)
        .locations(MIGRATIONS)
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();
  }

  @Override
  public void onResult(DiffResult result) {
    if (Consistency.of(result.verdict()) != Consistency.INCONSISTENT) {
      return;
    }
    String api = result.api();
    if (writer.closing()) {
      counts.increment(api, "dropped");
    } else if (!admit(api)) {
      counts.increment(api, "capped");
    } else if (!writer.offer(result)) {
      counts.increment(api, "dropped");
    }
  }

  private boolean admit(String api) {
    long hour = Math.floorDiv(clock.millis(), HOUR_MILLIS);
    HourCap cap = caps.get(api);
    if (cap == null) {
      cap = caps.computeIfAbsent(api, a -> new HourCap());
    }
    return cap.admit(hour, perApiPerHour);
  }

  @Override
  public List<LabeledCount> counts() {
    return counts.snapshot();
  }

  /** Samples waiting to be written. */
  public int queued() {
    return writer.size();
  }

  /**
   * @throws IllegalArgumentException if {@code limit} is not within 1..1000
   * @throws IllegalStateException if the database cannot be read
   */
  @Override
  public List<MismatchSample> recent(Optional<String> api, int limit) {
    Objects.requireNonNull(api, "api");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(api.isPresent() ? RECENT_OF_API : RECENT)) {
      int i = 1;
      if (api.isPresent()) {
        ps.setString(i++, api.get());
      }
      ps.setInt(i, limit);
      List<MismatchSample> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(sample(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("Reading mismatch samples failed", e);
    }
  }

  /**
   * @throws IllegalStateException if the database cannot be read
   */
  @Override
  public Optional<MismatchSample> byId(long id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(BY_ID)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(sample(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Reading mismatch sample " + id + " failed", e);
    }
  }

  /**
   * Deletes the samples older than the retention, by the store's clock; returns how many. Also runs
   * every {@link DiffConfig#retentionInterval()}.
   */
  public int purgeExpired() {
    Instant cutoff = clock.instant().minus(retention);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(PURGE)) {
      ps.setObject(1, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("Deleting mismatch samples before " + cutoff + " failed", e);
    }
  }

  private void purgeQuietly() {
    try {
      int deleted = purgeExpired();
      if (deleted > 0) {
        log.info("Deleted {} mismatch samples older than {}", deleted, retention);
      }
    } catch (RuntimeException e) {
      failures.warn("Deleting old mismatch samples failed; trying again next interval", e);
    }
  }

  private void insert(List<DiffResult> batch) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        for (DiffResult r : batch) {
          bind(ps, r);
          ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
      for (DiffResult r : batch) {
        counts.increment(r.api(), "stored");
      }
    } catch (SQLException | RuntimeException e) {
      for (DiffResult r : batch) {
        counts.increment(r.api(), "failed");
      }
      failures.warn("Writing " + batch.size() + " mismatch samples failed; they are lost", e);
    }
  }

  private static void bind(PreparedStatement ps, DiffResult r) throws SQLException {
    ComparedCall call = r.call();
    Classification c = r.classification();
    ps.setString(1, call.api());
    ps.setString(2, call.requestId());
    ps.setObject(3, OffsetDateTime.ofInstant(call.at(), ZoneOffset.UTC));
    ps.setString(4, c.verdict().name());
    ps.setString(5, call.mode());
    ps.setString(6, r.recheck().name());
    ps.setString(7, text(call.request()));
    ps.setString(8, outcome(call.legacySide()));
    setJson(ps, 9, answer(call.legacySide()));
    ps.setString(10, outcome(call.newSide()));
    setJson(ps, 11, answer(call.newSide()));
    ps.setString(12, text(JSON.valueToTree(c.diffs())));
    ps.setString(13, c.unifiedDiff());
  }

  private static void setJson(PreparedStatement ps, int index, JsonNode value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, text(value));
    }
  }

  private static String outcome(Observed observed) {
    return switch (observed) {
      case Observed.Answer a -> "answer";
      case Observed.Failure f -> "failure";
      case Observed.TimedOut t -> "timed_out";
      case Observed.Dropped d -> "dropped";
    };
  }

  private static JsonNode answer(Observed observed) {
    return switch (observed) {
      case Observed.Answer a -> a.body();
      case Observed.Failure f ->
          JsonNodeFactory.instance.objectNode().put("code", f.code()).put("message", f.message());
      case Observed.TimedOut t -> null;
      case Observed.Dropped d -> null;
    };
  }

  private static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A JSON tree could not be written", e);
    }
  }

  private static MismatchSample sample(ResultSet rs) throws SQLException {
    try {
      return new MismatchSample(
          rs.getLong("id"),
          rs.getString("api"),
          rs.getString("request_id"),
          rs.getObject("at", OffsetDateTime.class).toInstant(),
          Verdict.valueOf(rs.getString("verdict")),
          rs.getString("mode"),
          RecheckResult.valueOf(rs.getString("recheck")),
          JSON.readTree(rs.getString("request")),
          new MismatchSample.BackendOutcome(
              rs.getString("legacy_outcome"), json(rs.getString("legacy_answer"))),
          new MismatchSample.BackendOutcome(
              rs.getString("new_outcome"), json(rs.getString("new_answer"))),
          JSON.readValue(rs.getString("field_diffs"), DIFFS),
          rs.getString("unified_diff"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Mismatch sample " + rs.getLong("id") + " is not valid", e);
    }
  }

  private static JsonNode json(String text) throws JsonProcessingException {
    return text == null ? null : JSON.readTree(text);
  }

  /**
   * Stops taking samples, writes those queued (waiting at most {@code timeout}) and closes the pool
   * if the store made it. Returns whether every queued sample was written.
   */
  public boolean close(Duration timeout) {
    retentionTimer.shutdownNow();
    boolean drained = writer.close(timeout, r -> counts.increment(r.api(), "dropped"));
    if (ownedPool != null) {
      ownedPool.close();
    }
    return drained;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /** The samples admitted for one API in the current hour. */
  private static final class HourCap {
    private long hour = Long.MIN_VALUE;
    private int admitted;

    synchronized boolean admit(long now, int max) {
      if (now != hour) {
        hour = now;
        admitted = 0;
      }
      if (admitted >= max) {
        return false;
      }
      admitted++;
      return true;
    }
  }
}
