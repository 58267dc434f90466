package io.strangler.flags;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flags shared by every proxy instance on one PostgreSQL database: a flags document (the JSON of a
 * {@link FlagsFile}) in table {@code flags_document}, with a version bumped by every change.
 *
 * <p><b>Reload.</b> A daemon thread reads the document's version every poll interval (250 ms by
 * default, at most 1 s) and applies a newer document at once, so a change made through any instance
 * is in force on every instance within a second. A document that does not parse, or names an
 * operation this source does not know, is not applied: the last good flags stay in force and the
 * error shows in {@link #snapshot()}, as it does while the database cannot be read.
 *
 * <p><b>Writes.</b> {@link #set} and {@link #replace} change the document in one transaction that
 * locks its row, so concurrent writers (two instances, two operators) never lose each other's
 * change; the writer audits the change with the caller's name, and the instances that pick it up
 * apply it without auditing it again. The first instance on an empty database writes the seed
 * document (every API in LEGACY_ONLY, unless given).
 *
 * <p><b>Hot path.</b> {@link #decide} reads one immutable state from a volatile field, as {@link
 * FileFlags} does.
 */
public final class PostgresFlags implements FlagSource {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresFlags.class);
  public static final String SOURCE = "postgres";
  private static final int QUERY_TIMEOUT_SECONDS = 5;
  private static final String READ =
      "SELECT version, document::text FROM flags_document WHERE id = 1";
  private static final String READ_FOR_UPDATE = READ + " FOR UPDATE";
  private static final String VERSION = "SELECT version FROM flags_document WHERE id = 1";
  private static final String SEED =
      "INSERT INTO flags_document (id, version, document, updated_by) VALUES (1, 1, ?::jsonb, ?)"
          + " ON CONFLICT (id) DO NOTHING";
  private static final String UPDATE =
      "UPDATE flags_document SET version = ?, document = ?::jsonb, updated_at = now(),"
          + " updated_by = ? WHERE id = 1";

  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final Mode configuredDefault;
  private final Set<String> knownOperations;
  private final FlagAudit audit;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor poller;
  private final Object lock = new Object();

  private volatile Applied applied;
  private volatile FlagsError error;
  // Guarded by lock: a version that failed to parse, so that it is not parsed and logged again.
  private long badVersion = -1;

  /** The document in force and its version. */
  private record Applied(long version, CompiledFlags flags) {}

  private PostgresFlags(
      Builder b, DataSource dataSource, HikariDataSource ownedPool, Applied initial) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.configuredDefault = b.defaultMode;
    this.knownOperations = Set.copyOf(b.knownOperations);
    this.audit = b.audit;
    this.clock = b.clock;
    this.applied = initial;
    this.poller =
        new ScheduledThreadPoolExecutor(
            1,
            r ->
                Thread.ofPlatform().name("strangler-flags-postgres-poll").daemon(true).unstarted(r),
            new ScheduledThreadPoolExecutor.DiscardPolicy());
    long every = b.pollInterval.toMillis();
    poller.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /** Flags in the database behind {@code dataSource}, which the caller owns. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), null, null, null);
  }

  /** Flags in the database at {@code jdbcUrl}, over a small pool of its own closed with them. */
  public static Builder builder(String jdbcUrl, String user, String password) {
    return new Builder(null, Objects.requireNonNull(jdbcUrl, "jdbcUrl"), user, password);
  }

  @Override
  public Decision decide(String operation, String routingKey) {
    return applied.flags().decide(operation, routingKey);
  }

  @Override
  public FlagsSnapshot snapshot() {
    return applied.flags().snapshot(knownOperations, error);
  }

  /** The version of the document in force here. */
  public long version() {
    return applied.version();
  }

  @Override
  public SetResult set(String operation, Mode mode, int rolloutPercent, String who) {
    ApiSetting setting;
    try {
      FlagsFile.checkOperation(operation);
      checkKnown(operation);
      if (mode == null) {
        return new SetResult.Invalid(
            "mode is required (LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY)");
      }
      setting = new ApiSetting(mode, rolloutPercent);
    } catch (IllegalArgumentException e) {
      return new SetResult.Invalid(e.getMessage());
    }
    SetResult r = write(current -> current.with(operation, setting), who);
    return r instanceof SetResult.Applied
        ? new SetResult.Applied(applied.flags().view(operation))
        : r;
  }

  /**
   * Replaces the whole document (default mode, kill switches, every API) on behalf of {@code who}.
   * The answer's flag, when applied, is the first API's (or none): read {@link #snapshot()}.
   */
  public SetResult replace(FlagsFile next, String who) {
    Objects.requireNonNull(next, "next");
    try {
      next.apis().keySet().forEach(this::checkKnown);
    } catch (IllegalArgumentException e) {
      return new SetResult.Invalid(e.getMessage());
    }
    return write(current -> next, who);
  }

  @Override
  public List<AuditEntry> audit(int limit) {
    return audit.latest(limit);
  }

  /** Stops polling; closes the pool if this source made it. The audit is the caller's. */
  @Override
  public void close() {
    poller.shutdownNow();
    try {
      poller.awaitTermination(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  private SetResult write(UnaryOperator<FlagsFile> change, String who) {
    synchronized (lock) {
      long version;
      FlagsFile current;
      FlagsFile next;
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          long currentVersion;
          try (PreparedStatement ps = c.prepareStatement(READ_FOR_UPDATE)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                throw new SQLException("flags_document has no row");
              }
              currentVersion = rs.getLong(1);
              // A bad document in the table is replaced by a good one built on what is in force.
              current = parseOr(rs.getString(2), applied.flags().file);
            }
          }
          next = change.apply(current);
          version = currentVersion + 1;
          try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setLong(1, version);
            ps.setString(2, new String(next.toJson(), StandardCharsets.UTF_8));
            ps.setString(3, who);
            ps.executeUpdate();
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        return new SetResult.Failed("cannot write the shared flags: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        return new SetResult.Invalid(e.getMessage());
      }
      error = null;
      apply(version, next, who, current);
      return new SetResult.Applied(null);
    }
  }

  private FlagsFile parseOr(String json, FlagsFile fallback) {
    try {
      return parse(json);
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }

  /** Reads the document's version and applies a newer document. Runs on the poller thread. */
  void poll() {
    long version;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(VERSION)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          fail("the shared flags table has no document; keeping the last good flags");
          return;
        }
        version = rs.getLong(1);
      }
    } catch (SQLException e) {
      fail("cannot read the shared flags: " + e.getMessage() + "; keeping the last good flags");
      return;
    }
    synchronized (lock) {
      if (version == applied.version() || version == badVersion) {
        if (version == applied.version() && error != null) {
          LOG.info("the shared flags can be read again (version {})", version);
          error = null;
        }
        return;
      }
      Loaded loaded;
      try {
        loaded = load(dataSource);
      } catch (SQLException e) {
        fail("cannot read the shared flags: " + e.getMessage() + "; keeping the last good flags");
        return;
      }
      try {
        FlagsFile next = parse(loaded.json());
        if (error != null) {
          LOG.info("the shared flags are good again (version {})", loaded.version());
        }
        error = null;
        apply(loaded.version(), next, null, null);
      } catch (IllegalArgumentException e) {
        badVersion = loaded.version();
        fail(
            "shared flags version "
                + loaded.version()
                + ": "
                + e.getMessage()
                + "; keeping the last good flags");
      }
    }
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.warn("polling the shared flags failed; will retry", e);
    }
  }

  /**
   * Applies {@code next} at {@code version} unless a newer one is already in force. A change this
   * instance wrote over {@code writtenOver} is audited (the difference from that document); one
   * read from the table ({@code writtenOver} null) was audited by its writer.
   */
  private void apply(long version, FlagsFile next, String who, FlagsFile writtenOver) {
    Applied before = applied;
    CompiledFlags after = CompiledFlags.of(next, configuredDefault, SOURCE);
    if (writtenOver != null) {
      CompiledFlags over = CompiledFlags.of(writtenOver, configuredDefault, SOURCE);
      for (AuditEntry e : after.changesSince(over, clock.instant(), who)) {
        audit.append(e);
      }
    }
    if (version > before.version()) {
      applied = new Applied(version, after);
    }
  }

  private void fail(String message) {
    FlagsError current = error;
    if (current == null || !current.message().equals(message)) {
      error = new FlagsError(message, clock.instant());
      LOG.warn(message);
    }
  }

  private FlagsFile parse(String json) {
    FlagsFile f = FlagsFile.parse(json.getBytes(StandardCharsets.UTF_8));
    for (String op : f.apis().keySet()) {
      checkKnown(op);
    }
    return f;
  }

  private void checkKnown(String operation) {
    if (!knownOperations.isEmpty() && !knownOperations.contains(operation)) {
      throw new IllegalArgumentException(
          "unknown operation '"
              + operation
              + "' (known: "
              + String.join(", ", new TreeSet<>(knownOperations))
              + ")");
    }
  }

  private record Loaded(long version, String json) {}

  private static Loaded load(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(READ)) {
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("flags_document has no row");
        }
        return new Loaded(rs.getLong(1), rs.getString(2));
      }
    }
  }

  /** Settings of a shared source; {@link #build()} migrates, seeds, loads and starts polling. */
  public static final class Builder {
    private final DataSource dataSource;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private Mode defaultMode = Mode.LEGACY_ONLY;
    private Collection<String> knownOperations = List.of();
    private FlagAudit audit = FlagAudit.none();
    private Clock clock = Clock.systemUTC();
    private Duration pollInterval = Duration.ofMillis(250);
    private FlagsFile seed;
    private String seedWho = "seed";

    private Builder(DataSource dataSource, String jdbcUrl, String user, String password) {
      this.dataSource = dataSource;
      this.jdbcUrl = jdbcUrl;
      this.user = user;
      this.password = password;
    }

    /** The mode of APIs with no flag when the document names no {@code defaultMode}. */
    public Builder defaultMode(Mode mode) {
      this.defaultMode = Objects.requireNonNull(mode, "defaultMode");
      return this;
    }

    /** As {@link FileFlags.Builder#knownOperations}. */
    public Builder knownOperations(Collection<String> operations) {
      for (String op : operations) {
        FlagsFile.checkOperation(op);
      }
      this.knownOperations = List.copyOf(operations);
      return this;
    }

    public Builder audit(FlagAudit audit) {
      this.audit = Objects.requireNonNull(audit, "audit");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How often the document's version is read (10 ms .. 1 s). */
    public Builder pollInterval(Duration interval) {
      if (interval.compareTo(Duration.ofMillis(10)) < 0
          || interval.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException(
            "pollInterval must be within 10 ms .. 1 s (changes must apply within 1 s), got "
                + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * The document written when the table has none yet (default: every known operation in
     * LEGACY_ONLY), recorded as written by {@code who}. Ignored once a document exists.
     */
    public Builder seed(FlagsFile seed, String who) {
      this.seed = Objects.requireNonNull(seed, "seed");
      this.seedWho = Objects.requireNonNull(who, "who");
      return this;
    }

    /**
     * Migrates the tables, writes the seed when there is no document, loads the document and starts
     * polling.
     *
     * @throws IllegalArgumentException when the stored document is not valid
     * @throws IllegalStateException when the database cannot be read
     */
    public PostgresFlags build() {
      HikariDataSource owned = null;
      DataSource ds = dataSource;
      if (ds == null) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbcUrl);
        c.setUsername(user);
        c.setPassword(password);
        c.setPoolName("strangler-flags-postgres");
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(1);
        c.setConnectionTimeout(5_000);
        owned = new HikariDataSource(c);
        ds = owned;
      }
      try {
        PostgresFlagAudit.migrate(ds);
        FlagsFile first = seed != null ? seed : FlagsFile.allIn(Mode.LEGACY_ONLY, knownOperations);
        Loaded loaded;
        try (Connection c = ds.getConnection()) {
          try (PreparedStatement ps = c.prepareStatement(SEED)) {
            ps.setString(1, new String(first.toJson(), StandardCharsets.UTF_8));
            ps.setString(2, seedWho);
            ps.executeUpdate();
          }
          loaded = load(ds);
        } catch (SQLException e) {
          throw new IllegalStateException("cannot read the shared flags: " + e.getMessage(), e);
        }
        FlagsFile file;
        try {
          file = FlagsFile.parse(loaded.json().getBytes(StandardCharsets.UTF_8));
          Set<String> known = Set.copyOf(knownOperations);
          for (String op : file.apis().keySet()) {
            if (!known.isEmpty() && !known.contains(op)) {
              throw new IllegalArgumentException(
                  "apis."
                      + op
                      + ": unknown operation (known: "
                      + String.join(", ", new TreeSet<>(known))
                      + ")");
            }
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "the shared flags (version "
                  + loaded.version()
                  + ") are not valid: "
                  + e.getMessage(),
              e);
        }
        return new PostgresFlags(
            this,
            ds,
            owned,
            new Applied(loaded.version(), CompiledFlags.of(file, defaultMode, SOURCE)));
      } catch (RuntimeException e) {
        if (owned != null) {
          owned.close();
        }
        throw e;
      }
    }
  }
}
