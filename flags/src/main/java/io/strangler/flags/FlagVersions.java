package io.strangler.flags;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which flags each instance of a fleet applies: every instance writes, to table {@code
 * flags_instance} of the shared PostgreSQL, its id, the version of the shared document it applies
 * ({@link PostgresFlags#version()}; none for another source) and a digest of the flags in force
 * (modes, rollouts, kill switches and overrides: two instances with the same digest decide alike),
 * with when it started applying them. Any instance can then list the fleet's ({@link #fleet()}).
 *
 * <p>A daemon thread reads the flags every check interval (in memory) and writes at once when they
 * changed, else every {@link #HEARTBEAT}; a failed write is retried at the next check.
 */
public final class FlagVersions implements AutoCloseable {
  /** How often an instance whose flags did not change says it is still there. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(2);

  /** An instance seen within this long is live. */
  public static final Duration LIVE_WITHIN = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(FlagVersions.class);
  private static final int QUERY_TIMEOUT_SECONDS = 5;
  private static final String UPSERT =
      "INSERT INTO flags_instance (instance, source, version, digest, applied_at, seen_at)"
          + " VALUES (?, ?, ?, ?, ?, now()) ON CONFLICT (instance) DO UPDATE SET"
          + " source = excluded.source, version = excluded.version, digest = excluded.digest,"
          + " applied_at = excluded.applied_at, seen_at = now()";
  private static final String FLEET =
      "SELECT instance, source, version, digest, applied_at, seen_at,"
          + " seen_at > now() - make_interval(secs => ?) AS live"
          + " FROM flags_instance WHERE seen_at > now() - interval '1 day' ORDER BY instance";

  private final DataSource dataSource;
  private final String instance;
  private final FlagSource flags;
  private final Supplier<OptionalLong> version;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor checker;
  private volatile Current current;
  // Checker thread only.
  private Current written;
  private long writtenAtNanos;
  private long failures;

  /**
   * What one instance applies.
   *
   * @param version the shared document's version; null when its source is not shared
   * @param digest the flags in force, overrides included
   * @param appliedAt when it started applying them (its own clock)
   * @param seenAt when it last said so (the database's clock)
   * @param live seen within {@link #LIVE_WITHIN}
   */
  public record InstanceFlags(
      String instance,
      String source,
      Long version,
      String digest,
      Instant appliedAt,
      Instant seenAt,
      boolean live) {}

  /** This instance's flags in force: their source's version, digest, and since when. */
  public record Current(String source, Long version, String digest, Instant appliedAt) {}

  private FlagVersions(
      DataSource dataSource,
      String instance,
      FlagSource flags,
      Supplier<OptionalLong> version,
      Clock clock,
      Duration every) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.instance = Objects.requireNonNull(instance, "instance");
    this.flags = Objects.requireNonNull(flags, "flags");
    this.version = Objects.requireNonNull(version, "version");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.current = read(null);
    this.checker =
        new ScheduledThreadPoolExecutor(
            1,
            r -> Thread.ofPlatform().name("strangler-flags-versions").daemon(true).unstarted(r),
            new ScheduledThreadPoolExecutor.DiscardPolicy());
    long ms = every.toMillis();
    checker.scheduleWithFixedDelay(this::checkQuietly, 0, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts reporting what {@code flags} (the flags the proxy decides with, overrides included)
   * hold, as {@code instance}, every {@code every} (10 ms .. 1 s). Migrates the table first.
   *
   * @param version the shared document's version in force, empty for another source
   */
  public static FlagVersions start(
      DataSource dataSource,
      String instance,
      FlagSource flags,
      Supplier<OptionalLong> version,
      Clock clock,
      Duration every) {
    if (every.compareTo(Duration.ofMillis(10)) < 0 || every.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new IllegalArgumentException("every must be within 10 ms .. 1 s, got " + every);
    }
    PostgresFlagAudit.migrate(dataSource);
    return new FlagVersions(dataSource, instance, flags, version, clock, every);
  }

  /** This instance's flags in force, as last checked. */
  public Current current() {
    return current;
  }

  /** Every instance seen in the last day, by id. */
  public List<InstanceFlags> fleet() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(FLEET)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      ps.setDouble(1, LIVE_WITHIN.toMillis() / 1000.0);
      List<InstanceFlags> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long v = rs.getLong("version");
          out.add(
              new InstanceFlags(
                  rs.getString("instance"),
                  rs.getString("source"),
                  rs.wasNull() ? null : v,
                  rs.getString("digest"),
                  rs.getObject("applied_at", OffsetDateTime.class).toInstant(),
                  rs.getObject("seen_at", OffsetDateTime.class).toInstant(),
                  rs.getBoolean("live")));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the fleet's flag versions: " + e.getMessage(), e);
    }
  }

  /** Reads the flags now and writes them when they changed or the heartbeat is due. */
  void check() {
    Current now = read(current);
    current = now;
    boolean changed = written == null || !written.equals(now);
    if (!changed && System.nanoTime() - writtenAtNanos < HEARTBEAT.toNanos()) {
      return;
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(UPSERT)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      ps.setString(1, instance);
      ps.setString(2, now.source());
      if (now.version() == null) {
        ps.setNull(3, Types.BIGINT);
      } else {
        ps.setLong(3, now.version());
      }
      ps.setString(4, now.digest());
      ps.setObject(5, OffsetDateTime.ofInstant(now.appliedAt(), ZoneOffset.UTC));
      ps.executeUpdate();
      written = now;
      writtenAtNanos = System.nanoTime();
    } catch (SQLException e) {
      if (failures++ % 60 == 0) {
        LOG.warn("writing this instance's flag version failed ({} so far); retrying", failures, e);
      }
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.warn("checking the flags in force failed; will retry", e);
    }
  }

  private Current read(Current before) {
    FlagsSnapshot s = flags.snapshot();
    OptionalLong v = version.get();
    Long sourceVersion = v.isPresent() ? v.getAsLong() : null;
    String digest = digest(s);
    if (before != null
        && before.digest().equals(digest)
        && Objects.equals(before.version(), sourceVersion)) {
      return before;
    }
    return new Current(s.source(), sourceVersion, digest, clock.instant());
  }

  /**
   * 12 hex digits of a SHA-256 of what decides calls: default mode, kill switches, every API's
   * setting and effective modes, and the overrides' settings (not their reasons or times).
   */
  static String digest(FlagsSnapshot s) {
    StringBuilder b = new StringBuilder();
    b.append(s.defaultMode()).append('|').append(s.killLegacy()).append('|').append(s.killNew());
    for (ApiFlag f : s.apis()) {
      b.append('|')
          .append(f.operation())
          .append('=')
          .append(f.configured())
          .append('/')
          .append(f.rolloutPercent())
          .append('/')
          .append(f.inRollout())
          .append('/')
          .append(f.outsideRollout())
          .append('/')
          .append(f.source());
    }
    for (FlagOverride o : s.overrides()) {
      b.append("|override:").append(o.operation()).append('=').append(o.setting());
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(b.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /** Stops reporting (bounded wait). The data source and the flags are the caller's. */
  @Override
  public void close() {
    checker.shutdownNow();
    try {
      checker.awaitTermination(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
