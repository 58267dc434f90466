package io.strangler.flags;

import io.strangler.common.RateLimitedLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overrides of an {@link OverridingFlags} shared by every proxy instance on one PostgreSQL
 * (table {@code flags_override}): an override this instance sets or clears (an automatic rollback
 * over Unleash, {@code cutover clear-override}) is written there, and every instance applies the
 * table's overrides within one poll period. So with several proxies on Unleash, a rollback decided
 * by one is applied by all, and clearing it on one clears it for all.
 *
 * <p>A change of this instance is applied here at once and written by the poller thread; while the
 * database cannot be written it stays held (and applied) here and is retried at each poll, so a
 * read of the table never undoes it.
 */
public final class SharedOverrides implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SharedOverrides.class);
  private static final int QUERY_TIMEOUT_SECONDS = 5;
  private static final String UPSERT =
      "INSERT INTO flags_override (operation, mode, rollout, reason, who, set_at, instance)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (operation) DO UPDATE SET"
          + " mode = excluded.mode, rollout = excluded.rollout, reason = excluded.reason,"
          + " who = excluded.who, set_at = excluded.set_at, instance = excluded.instance";
  private static final String DELETE = "DELETE FROM flags_override WHERE operation = ?";
  private static final String READ =
      "SELECT operation, mode, rollout, reason, who, set_at FROM flags_override";

  private final DataSource dataSource;
  private final OverridingFlags flags;
  private final String instance;
  // This instance's changes not written yet: the override, or empty for a clear.
  private final ConcurrentHashMap<String, Optional<FlagOverride>> pending =
      new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor poller;
  private final AtomicBoolean syncQueued = new AtomicBoolean();
  private final RateLimitedLog failures = new RateLimitedLog(log, Duration.ofSeconds(30));
  private final Object syncLock = new Object();

  private SharedOverrides(
      DataSource dataSource, OverridingFlags flags, String instance, Duration period) {
    this.dataSource = dataSource;
    this.flags = flags;
    this.instance = instance;
    this.poller =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "strangler-flags-overrides");
              t.setDaemon(true);
              return t;
            },
            new ScheduledThreadPoolExecutor.DiscardPolicy());
    long millis = period.toMillis();
    poller.scheduleWithFixedDelay(this::syncQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Shares {@code flags}' overrides through {@code dataSource} (migrated here) as {@code instance},
   * polling every {@code period}; applies the fleet's overrides once before returning when the
   * database answers.
   */
  public static SharedOverrides start(
      DataSource dataSource, OverridingFlags flags, String instance, Duration period) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(flags, "flags");
    Objects.requireNonNull(instance, "instance");
    if (period.toMillis() < 10 || period.compareTo(Duration.ofSeconds(2)) > 0) {
      throw new IllegalArgumentException(
          "the overrides' poll period must be 10 ms..2 s (a change reaches every instance"
              + " within 2 s), got "
              + period);
    }
    PostgresFlagAudit.migrate(dataSource);
    SharedOverrides s = new SharedOverrides(dataSource, flags, instance, period);
    // Overrides this instance held before it joined are the fleet's from now on.
    flags.snapshot().overrides().forEach(o -> s.pending.put(o.operation(), Optional.of(o)));
    flags.listen(s::changed);
    s.syncQuietly();
    return s;
  }

  private void changed(String operation, FlagOverride now) {
    pending.put(operation, Optional.ofNullable(now));
    // One sync queued at a time: a burst of changes is written by one pass.
    if (syncQueued.compareAndSet(false, true)) {
      poller.execute(
          () -> {
            syncQueued.set(false);
            syncQuietly();
          });
    }
  }

  /** Writes this instance's pending changes, then applies the table's overrides. */
  public void sync() {
    synchronized (syncLock) {
      try (Connection c = dataSource.getConnection()) {
        for (Map.Entry<String, Optional<FlagOverride>> e : Map.copyOf(pending).entrySet()) {
          write(c, e.getKey(), e.getValue());
          pending.remove(e.getKey(), e.getValue());
        }
        Map<String, FlagOverride> shared = read(c);
        flags.applyShared(shared, pending.keySet());
      } catch (SQLException e) {
        throw new IllegalStateException(
            "sharing flag overrides failed (" + pending.size() + " changes not written yet)", e);
      }
    }
  }

  private void syncQuietly() {
    try {
      sync();
    } catch (RuntimeException e) {
      failures.warn(e.getMessage() + "; this instance keeps its own and retries", e);
    }
  }

  private void write(Connection c, String operation, Optional<FlagOverride> o) throws SQLException {
    if (o.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(DELETE)) {
        ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        ps.setString(1, operation);
        ps.executeUpdate();
      }
      return;
    }
    FlagOverride f = o.get();
    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      ps.setString(1, operation);
      ps.setString(2, f.setting().mode().name());
      ps.setInt(3, f.setting().rolloutPercent());
      ps.setString(4, f.reason());
      ps.setString(5, f.who());
      ps.setObject(6, OffsetDateTime.ofInstant(f.at(), ZoneOffset.UTC));
      ps.setString(7, instance);
      ps.executeUpdate();
    }
  }

  private static Map<String, FlagOverride> read(Connection c) throws SQLException {
    Map<String, FlagOverride> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(READ)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Mode mode;
          try {
            mode = Mode.parse(rs.getString("mode"));
          } catch (IllegalArgumentException e) {
            continue; // written by a newer version: not one this instance can apply
          }
          String op = rs.getString("operation");
          out.put(
              op,
              new FlagOverride(
                  op,
                  new ApiSetting(mode, rs.getInt("rollout")),
                  rs.getString("reason"),
                  rs.getString("who"),
                  rs.getObject("set_at", OffsetDateTime.class).toInstant()));
        }
      }
    }
    return out;
  }

  /** Stops polling (bounded wait); the overrides held stay as they are. */
  @Override
  public void close() {
    flags.listen(null);
    poller.shutdownNow();
    try {
      poller.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
