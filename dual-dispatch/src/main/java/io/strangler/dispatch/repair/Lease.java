package io.strangler.dispatch.repair;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named lease in PostgreSQL that at most one holder has at a time: for work that one instance of
 * a fleet must do alone (the repairer), taken over within seconds when its holder dies.
 *
 * <p>One row per name in table {@code strangler_lease} (created if missing): the holder, a fencing
 * token and an expiry on the database's clock, so the holders' clocks do not matter. A daemon
 * thread renews the lease every {@code renewEvery} with one statement that takes it when it is free
 * or expired and extends it when this holder has it; a holder that stops renewing (it died, or lost
 * the database) loses it {@code ttl} after its last renewal, and another takes it at its next try.
 * {@link #held()} is true only until {@code ttl - renewEvery} after the start of the last
 * successful renewal (by this process's monotonic clock), so a holder cut off from the database
 * stops before anyone else can start. The token grows by one with every change of holder: work done
 * under a lease can carry it, so that a store can refuse the work of a holder that has been
 * replaced.
 *
 * <p>{@link #close()} releases the lease, so another holder takes it at its next try instead of
 * after the expiry. Knows nothing of what the lease protects.
 */
public final class Lease implements BooleanSupplier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Lease.class);
  private static final String CREATE =
      "CREATE TABLE IF NOT EXISTS strangler_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL,"
          + " token BIGINT NOT NULL, acquired_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)";
  private static final String EXISTS = "SELECT to_regclass('strangler_lease') IS NOT NULL";
  private static final String TAKE =
      "INSERT INTO strangler_lease AS l (name, holder, token, acquired_at, expires_at)"
          + " VALUES (?, ?, 1, now(), now() + make_interval(secs => ?))"
          + " ON CONFLICT (name) DO UPDATE SET"
          + " token = CASE WHEN l.holder = excluded.holder AND l.expires_at >= now() THEN l.token ELSE l.token + 1 END,"
          + " acquired_at = CASE WHEN l.holder = excluded.holder AND l.expires_at >= now() THEN l.acquired_at ELSE now() END,"
          + " holder = excluded.holder, expires_at = excluded.expires_at"
          + " WHERE l.holder = excluded.holder OR l.expires_at < now()"
          + " RETURNING token";
  private static final String RELEASE =
      "DELETE FROM strangler_lease WHERE name = ? AND holder = ? AND token = ?";
  private static final String READ =
      "SELECT holder, token, acquired_at, expires_at, expires_at >= now() AS live FROM strangler_lease WHERE name = ?";

  private final DataSource dataSource;
  private final String name;
  private final String holder;
  private final Options options;
  private final ScheduledThreadPoolExecutor renewer;
  private final Object lock = new Object();
  private volatile long token;
  private volatile long validUntilNanos;
  private volatile boolean closed;
  private long failures;

  /**
   * How long a lease lasts and how often it is renewed.
   *
   * @param ttl how long after its last renewal a lease expires: the longest another holder waits
   *     for a dead one
   * @param renewEvery how often the holder renews it and a waiting one tries to take it (at most a
   *     third of {@code ttl})
   */
  public record Options(Duration ttl, Duration renewEvery) {
    public Options {
      Objects.requireNonNull(ttl, "ttl");
      Objects.requireNonNull(renewEvery, "renewEvery");
      if (!renewEvery.isPositive() || renewEvery.multipliedBy(3).compareTo(ttl) > 0) {
        throw new IllegalArgumentException(
            "renewEvery must be positive and at most a third of ttl, got "
                + renewEvery
                + " and "
                + ttl);
      }
    }

    /**
     * Expires 6 s after its last renewal, renewed every 2 s: a dead holder is replaced within 8 s.
     */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(6), Duration.ofSeconds(2));
    }
  }

  /**
   * Who holds a lease, as the table says.
   *
   * @param live its expiry is not past
   */
  public record Holding(
      String name,
      String holder,
      long token,
      Instant acquiredAt,
      Instant expiresAt,
      boolean live) {}

  private Lease(DataSource dataSource, String name, String holder, Options options) {
    this.dataSource = dataSource;
    this.name = name;
    this.holder = holder;
    this.options = options;
    this.renewer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> Thread.ofPlatform().name("lease-" + name).daemon(true).unstarted(r),
            new ScheduledThreadPoolExecutor.DiscardPolicy());
  }

  /**
   * Starts trying to take, then keep, lease {@code name} as {@code holder} (unique per process:
   * e.g. the instance id and a run id). Creates the table when missing. The data source stays the
   * caller's.
   *
   * @throws IllegalStateException when the table cannot be created
   */
  public static Lease start(DataSource dataSource, String name, String holder, Options options) {
    Objects.requireNonNull(dataSource, "dataSource");
    if (name == null || name.isBlank() || holder == null || holder.isBlank()) {
      throw new IllegalArgumentException("a lease needs a name and a holder");
    }
    createTable(dataSource);
    Lease lease = new Lease(dataSource, name, holder, Objects.requireNonNull(options, "options"));
    long every = options.renewEvery().toMillis();
    lease.renewer.scheduleWithFixedDelay(lease::tickQuietly, 0, every, TimeUnit.MILLISECONDS);
    return lease;
  }

  private static void createTable(DataSource dataSource) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      try {
        s.execute(CREATE);
      } catch (SQLException e) {
        // Two instances creating it at once: one of them loses the race, and the table is there.
        try (ResultSet rs = s.executeQuery(EXISTS)) {
          if (!rs.next() || !rs.getBoolean(1)) {
            throw e;
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the lease table: " + e.getMessage(), e);
    }
  }

  /** Whether this holder has the lease now; work under it should check before each step. */
  public boolean held() {
    return token != 0 && System.nanoTime() - validUntilNanos < 0;
  }

  /** {@link #held()}, so that a lease can gate anything that takes a {@link BooleanSupplier}. */
  @Override
  public boolean getAsBoolean() {
    return held();
  }

  /** The fencing token of this holding; 0 when the lease is not held. */
  public long token() {
    return held() ? token : 0;
  }

  public String name() {
    return name;
  }

  public String holder() {
    return holder;
  }

  /**
   * Who holds the lease as the table says (empty when nobody ever took it).
   *
   * @throws IllegalStateException when the table cannot be read
   */
  public Optional<Holding> holding() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(READ)) {
      ps.setQueryTimeout(timeoutSeconds());
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Holding(
                name,
                rs.getString("holder"),
                rs.getLong("token"),
                rs.getObject("acquired_at", OffsetDateTime.class).toInstant(),
                rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                rs.getBoolean("live")));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read lease " + name + ": " + e.getMessage(), e);
    }
  }

  /** One try: take the lease or extend it. Runs on the renewer thread. */
  void tick() throws SQLException {
    synchronized (lock) {
      if (closed) {
        return;
      }
      long start = System.nanoTime();
      long taken = 0;
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps = c.prepareStatement(TAKE)) {
        ps.setQueryTimeout(timeoutSeconds());
        ps.setString(1, name);
        ps.setString(2, holder);
        ps.setDouble(3, options.ttl().toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            taken = rs.getLong(1);
          }
        }
      }
      boolean had = held();
      if (taken != 0) {
        // Valid here until ttl - renewEvery after the statement started: the database's expiry is
        // at least ttl after it, so this holder stops before anyone else can take over.
        validUntilNanos = start + options.ttl().minus(options.renewEvery()).toNanos();
        if (!had || taken != token) {
          log.info("lease {} taken by {} (token {})", name, holder, taken);
        }
        token = taken;
      } else {
        if (had) {
          log.warn("lease {} lost by {}: another holder has it", name, holder);
        }
        token = 0;
      }
    }
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (SQLException | RuntimeException e) {
      // held() runs out by itself when renewals keep failing.
      if (failures++ % 30 == 0) {
        log.warn(
            "renewing lease {} failed ({} so far); {} it until its time runs out",
            name,
            failures,
            held() ? "still holding" : "not holding",
            e);
      }
    }
  }

  private int timeoutSeconds() {
    return (int) Math.max(1, options.renewEvery().toSeconds());
  }

  /** Stops renewing and releases the lease if held, so that another holder takes it at once. */
  @Override
  public void close() {
    long held;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      held = token();
      token = 0;
    }
    renewer.shutdownNow();
    try {
      renewer.awaitTermination(timeoutSeconds() + 1L, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (held != 0) {
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps = c.prepareStatement(RELEASE)) {
        ps.setQueryTimeout(timeoutSeconds());
        ps.setString(1, name);
        ps.setString(2, holder);
        ps.setLong(3, held);
        ps.executeUpdate();
        log.info("lease {} released by {}", name, holder);
      } catch (SQLException e) {
        log.warn("releasing lease {} failed; it expires within {}", name, options.ttl(), e);
      }
    }
  }
}
