package io.strangler.dispatch.repair;

import io.strangler.common.RateLimitedLog;
import io.strangler.flags.Mode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * The fleet's repairs waiting in PostgreSQL: every instance forwards the entries of its own {@link
 * RepairJournal} here ({@link #forward}), and the one instance that holds the repairer {@link
 * Lease} repairs from here ({@link #source}). Knows entities only as strings.
 *
 * <p>One row per entity and direction (table {@code strangler_repair_queue}): entries naming the
 * same entity coalesce into one repair. Forwarding is idempotent: a journal's entries are numbered
 * ({@link RepairJournal#id()} and {@link RepairJournal.Entry#seq()}) and the highest number
 * forwarded is kept per journal (table {@code strangler_repair_forwarded}) in the transaction that
 * adds the rows, so entries forwarded again after a crash (before the journal saved how far it had
 * got) are skipped. Every row carries a version, new with each entry that names it again.
 *
 * <p>Fencing: a claim and a completion each check, in their own statement, that the lease is still
 * held under the token of the claim ({@code strangler_lease}); a holder that was replaced claims
 * nothing, and its completions remove nothing, so the new holder repairs those rows again (the
 * entity sync is idempotent and never overwrites a newer write). A completion removes a row only at
 * the version it claimed: an entry forwarded meanwhile keeps it for another repair.
 *
 * <p>Bounded: past {@link Options#maxRows()} rows forwarding stops ({@link Forwarded#full()}), and
 * the entries wait in the instances' journals, which have bounds of their own.
 */
public final class SharedRepairQueue {
  /**
   * Rows claimed at a time at most, whatever the repairer's batch: what a holder that dies
   * mid-batch leaves claimed and not completed, for the next holder to sync again.
   */
  public static final int MAX_CLAIM = 64;

  private static final String[] CREATE = {
    "CREATE SEQUENCE IF NOT EXISTS strangler_repair_version",
    "CREATE TABLE IF NOT EXISTS strangler_repair_queue (entity TEXT NOT NULL, from_side TEXT NOT NULL,"
        + " operations TEXT[] NOT NULL, entries BIGINT NOT NULL, first_at TIMESTAMPTZ NOT NULL,"
        + " ready_at TIMESTAMPTZ NOT NULL, version BIGINT NOT NULL, forwarded_by TEXT NOT NULL,"
        + " claimed_token BIGINT, claimed_at TIMESTAMPTZ, PRIMARY KEY (entity, from_side))",
    "CREATE INDEX IF NOT EXISTS strangler_repair_queue_ready ON strangler_repair_queue (ready_at)",
    "CREATE TABLE IF NOT EXISTS strangler_repair_forwarded (journal TEXT PRIMARY KEY,"
        + " instance TEXT NOT NULL, seq BIGINT NOT NULL, forwarded_at TIMESTAMPTZ NOT NULL)"
  };
  private static final String SOURCE_ROW =
      "INSERT INTO strangler_repair_forwarded (journal, instance, seq, forwarded_at)"
          + " VALUES (?, ?, 0, now()) ON CONFLICT (journal) DO NOTHING";
  private static final String SOURCE_SEQ =
      "SELECT seq FROM strangler_repair_forwarded WHERE journal = ? FOR UPDATE";
  private static final String SOURCE_ADVANCE =
      "UPDATE strangler_repair_forwarded SET seq = GREATEST(seq, ?), instance = ?,"
          + " forwarded_at = now() WHERE journal = ?";
  private static final String UPSERT =
      "INSERT INTO strangler_repair_queue AS q (entity, from_side, operations, entries, first_at,"
          + " ready_at, version, forwarded_by)"
          + " VALUES (?, ?, ?, ?, ?, now() + make_interval(secs => ?),"
          + " nextval('strangler_repair_version'), ?)"
          + " ON CONFLICT (entity, from_side) DO UPDATE SET"
          + " operations = ARRAY(SELECT DISTINCT o FROM unnest(q.operations || excluded.operations) o ORDER BY o),"
          + " entries = q.entries + excluded.entries,"
          + " ready_at = GREATEST(q.ready_at, excluded.ready_at),"
          + " version = excluded.version, forwarded_by = excluded.forwarded_by";
  private static final String LEASE_CHECK =
      "SELECT 1 FROM strangler_lease WHERE name = ? AND token = ? AND expires_at > now()";
  private static final String CLAIM =
      "WITH live AS ("
          + LEASE_CHECK
          + "), picked AS (SELECT entity, from_side FROM strangler_repair_queue"
          + " WHERE ready_at <= now() AND EXISTS (SELECT 1 FROM live)"
          + " ORDER BY ready_at LIMIT ? FOR UPDATE SKIP LOCKED)"
          + " UPDATE strangler_repair_queue q SET claimed_token = ?, claimed_at = now()"
          + " FROM picked WHERE q.entity = picked.entity AND q.from_side = picked.from_side"
          + " RETURNING q.entity, q.from_side, q.version, q.operations[1] AS operation, q.first_at";
  private static final String COMPLETE =
      "WITH live AS ("
          + LEASE_CHECK
          + "), done AS (DELETE FROM strangler_repair_queue q"
          + " USING unnest(?::text[], ?::text[], ?::bigint[]) AS b(entity, from_side, version)"
          + " WHERE q.entity = b.entity AND q.from_side = b.from_side AND q.version = b.version"
          + " AND EXISTS (SELECT 1 FROM live) RETURNING 1)"
          + " SELECT (SELECT count(*) FROM live), (SELECT count(*) FROM done)";
  private static final String COUNT =
      "SELECT count(*), count(*) FILTER (WHERE claimed_token IS NOT NULL), min(first_at)"
          + " FROM strangler_repair_queue";
  private static final String COUNT_BY_OPERATION =
      "SELECT o, count(*) FROM strangler_repair_queue, unnest(operations) o GROUP BY o";

  /**
   * Bounds and timing.
   *
   * @param maxRows rows (distinct entities waiting) past which forwarding stops
   * @param settle a row is repaired only this long after the newest entry naming it was written, so
   *     that the shadow writes queued behind the failed one land first (on the clock of the
   *     instance that wrote the entry, turned into the database's when it is forwarded)
   * @param timeout every statement's time limit (whole seconds, at least 1)
   */
  public record Options(long maxRows, Duration settle, Duration timeout) {
    public Options {
      if (maxRows < 1) {
        throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
      }
      Objects.requireNonNull(settle, "settle");
      Objects.requireNonNull(timeout, "timeout");
      if (settle.isNegative() || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("settle must not be negative, timeout must be positive");
      }
    }

    /** A million rows, a 1 s settle, 5 s statements. */
    public static Options defaults() {
      return new Options(1_000_000, Duration.ofSeconds(1), Duration.ofSeconds(5));
    }
  }

  /**
   * What one call of {@link #forward} did.
   *
   * @param entries entries added (skipped ones, forwarded before, not counted)
   * @param skipped entries forwarded before (by a run that crashed before it saved its offset)
   * @param full true when the queue is at its bound and nothing was forwarded
   */
  public record Forwarded(int entries, int skipped, boolean full) {}

  /**
   * The queue as the database says.
   *
   * @param pending rows waiting (distinct entities and directions), claimed ones included
   * @param claimed rows a holder has claimed and not completed
   * @param oldest when the oldest waiting entry was written, or null when none waits
   * @param pendingByOperation waiting rows by the operations whose writes named them (a row named
   *     by two operations counts for both)
   */
  public record Status(
      long pending, long claimed, Instant oldest, Map<String, Long> pendingByOperation) {}

  private final DataSource dataSource;
  private final Options options;
  private final LongAdder completed = new LongAdder();
  private final LongAdder requeued = new LongAdder();
  private final LongAdder fenced = new LongAdder();
  private final LongAdder completeFailures = new LongAdder();
  private final RateLimitedLog errors =
      new RateLimitedLog(LoggerFactory.getLogger(SharedRepairQueue.class), Duration.ofSeconds(10));

  private SharedRepairQueue(DataSource dataSource, Options options) {
    this.dataSource = dataSource;
    this.options = options;
  }

  /**
   * The queue in {@code dataSource}'s database, its tables created when missing. The data source
   * stays the caller's.
   *
   * @throws IllegalStateException when the tables cannot be created
   */
  public static SharedRepairQueue open(DataSource dataSource, Options options) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(options, "options");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      for (String ddl : CREATE) {
        try {
          s.execute(ddl);
        } catch (SQLException e) {
          // Two instances creating them at once: the loser finds them there on a second try.
          s.execute(ddl);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create the shared repair queue's tables: " + e.getMessage(), e);
    }
    return new SharedRepairQueue(dataSource, options);
  }

  public Options options() {
    return options;
  }

  /**
   * Adds a journal's entries (in order, as {@link RepairJournal#next} gave them), coalesced by
   * entity, in one transaction that also records the highest entry number forwarded for the
   * journal; entries numbered at or below it are skipped. {@code knownPending} is the caller's last
   * count of waiting rows: at or past the bound, nothing is forwarded.
   *
   * @param journal the journal's id ({@link RepairJournal#id()})
   * @param instance who forwards, for the record
   * @param now the forwarding instance's clock, to turn each entry's age into the settle left
   * @throws SQLException when the database cannot be reached or refuses: nothing was forwarded
   */
  public Forwarded forward(
      String journal,
      String instance,
      List<RepairJournal.Entry> entries,
      Instant now,
      long knownPending)
      throws SQLException {
    if (entries.isEmpty()) {
      return new Forwarded(0, 0, false);
    }
    if (knownPending >= options.maxRows()) {
      return new Forwarded(0, 0, true);
    }
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        long done;
        try (PreparedStatement ps = c.prepareStatement(SOURCE_ROW)) {
          ps.setQueryTimeout(timeoutSeconds());
          ps.setString(1, journal);
          ps.setString(2, instance);
          ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(SOURCE_SEQ)) {
          ps.setQueryTimeout(timeoutSeconds());
          ps.setString(1, journal);
          try (ResultSet rs = ps.executeQuery()) {
            done = rs.next() ? rs.getLong(1) : 0;
          }
        }
        // Coalesced by entity and direction, in key order: two instances forwarding the same
        // entities lock their rows in the same order and cannot deadlock.
        Map<String, Row> rows = new TreeMap<>();
        int skipped = 0;
        int added = 0;
        long highest = done;
        for (RepairJournal.Entry e : entries) {
          // Entries numbered 0 were written before journals numbered theirs: always forwarded.
          if (e.seq() > 0 && e.seq() <= done) {
            skipped++;
            continue;
          }
          added++;
          highest = Math.max(highest, e.seq());
          double settleLeft =
              Math.max(0, options.settle().minus(Duration.between(e.at(), now)).toNanos() / 1e9);
          for (String key : e.keys()) {
            rows.computeIfAbsent(key + "\u0000" + e.from().name(), k -> new Row(key, e.from()))
                .add(e, settleLeft);
          }
        }
        if (!rows.isEmpty()) {
          try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setQueryTimeout(timeoutSeconds());
            for (Row r : rows.values()) {
              ps.setString(1, r.entity);
              ps.setString(2, r.from.name());
              ps.setArray(3, c.createArrayOf("text", r.operations.toArray()));
              ps.setLong(4, r.entries);
              ps.setTimestamp(5, Timestamp.from(r.firstAt));
              ps.setDouble(6, r.settleLeft);
              ps.setString(7, instance);
              ps.addBatch();
            }
            ps.executeBatch();
          }
        }
        try (PreparedStatement ps = c.prepareStatement(SOURCE_ADVANCE)) {
          ps.setQueryTimeout(timeoutSeconds());
          ps.setLong(1, highest);
          ps.setString(2, instance);
          ps.setString(3, journal);
          ps.executeUpdate();
        }
        c.commit();
        return new Forwarded(added, skipped, false);
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    }
  }

  private static final class Row {
    final String entity;
    final Mode.Backend from;
    final TreeSet<String> operations = new TreeSet<>();
    long entries;
    Instant firstAt;
    double settleLeft;

    Row(String entity, Mode.Backend from) {
      this.entity = entity;
      this.from = from;
    }

    void add(RepairJournal.Entry e, double left) {
      operations.add(e.operation());
      entries++;
      firstAt = firstAt == null || e.at().isBefore(firstAt) ? e.at() : firstAt;
      settleLeft = Math.max(settleLeft, left);
    }
  }

  /** The queue's rows now: one query each for the totals and the operations. */
  public Status status() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      long pending;
      long claimed;
      Instant oldest;
      try (PreparedStatement ps = c.prepareStatement(COUNT)) {
        ps.setQueryTimeout(timeoutSeconds());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          pending = rs.getLong(1);
          claimed = rs.getLong(2);
          OffsetDateTime t = rs.getObject(3, OffsetDateTime.class);
          oldest = t == null ? null : t.toInstant();
        }
      }
      Map<String, Long> byOperation = new TreeMap<>();
      if (pending > 0) {
        try (PreparedStatement ps = c.prepareStatement(COUNT_BY_OPERATION)) {
          ps.setQueryTimeout(timeoutSeconds());
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              byOperation.put(rs.getString(1), rs.getLong(2));
            }
          }
        }
      }
      return new Status(pending, claimed, oldest, Collections.unmodifiableMap(byOperation));
    }
  }

  /** Rows removed by completions since this process opened the queue. */
  public long completed() {
    return completed.sum();
  }

  /** Rows a completion left because an entry named them again during their repair. */
  public long requeued() {
    return requeued.sum();
  }

  /** Completions refused because the lease had passed to another holder. */
  public long fenced() {
    return fenced.sum();
  }

  /**
   * The queue as a {@link Repairer}'s source for the holder of {@code lease}: it claims rows (at
   * most {@link #MAX_CLAIM} at a time) only while the lease is held, under its current token, and
   * completes them under the same token. For one repairer thread.
   */
  public RepairSource source(Lease lease, Clock clock) {
    return new Source(Objects.requireNonNull(lease, "lease"), Objects.requireNonNull(clock));
  }

  private final class Source implements RepairSource {
    private final Lease lease;
    private final Clock clock;
    // The repairer thread's: the claimed batch until it is committed, and the token it was
    // claimed under.
    private List<RepairJournal.Entry> batch = List.of();
    private List<Long> versions = List.of();
    private long batchToken;
    private long ends;

    Source(Lease lease, Clock clock) {
      this.lease = lease;
      this.clock = clock;
    }

    @Override
    public List<RepairJournal.Entry> next(int max, Duration wait) throws InterruptedException {
      long token = lease.token();
      if (!batch.isEmpty() && token == batchToken) {
        return batch; // not committed yet: the same batch again, as a journal would
      }
      batch = List.of();
      if (token == 0) {
        pause(wait);
        return List.of();
      }
      List<RepairJournal.Entry> claimed = new ArrayList<>();
      List<Long> claimedVersions = new ArrayList<>();
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps = c.prepareStatement(CLAIM)) {
        ps.setQueryTimeout(timeoutSeconds());
        ps.setString(1, lease.name());
        ps.setLong(2, token);
        ps.setInt(3, Math.min(max, MAX_CLAIM));
        ps.setLong(4, token);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            OffsetDateTime first = rs.getObject("first_at", OffsetDateTime.class);
            claimed.add(
                new RepairJournal.Entry(
                    ++ends,
                    first == null ? clock.instant() : first.toInstant(),
                    rs.getString("operation"),
                    Mode.Backend.valueOf(rs.getString("from_side")),
                    "fleet",
                    List.of(rs.getString("entity")),
                    0));
            claimedVersions.add(rs.getLong("version"));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot claim from the shared repair queue: " + e.getMessage(), e);
      }
      if (claimed.isEmpty()) {
        pause(wait);
        return List.of();
      }
      batch = List.copyOf(claimed);
      versions = List.copyOf(claimedVersions);
      batchToken = token;
      return batch;
    }

    @Override
    public void commit(long end, int entries) {
      if (batch.isEmpty() || end != batch.getLast().end()) {
        return;
      }
      List<RepairJournal.Entry> done = batch;
      List<Long> doneVersions = versions;
      batch = List.of();
      versions = List.of();
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps = c.prepareStatement(COMPLETE)) {
        ps.setQueryTimeout(timeoutSeconds());
        ps.setString(1, lease.name());
        ps.setLong(2, batchToken);
        Array keys = c.createArrayOf("text", done.stream().map(e -> e.keys().getFirst()).toArray());
        Array sides = c.createArrayOf("text", done.stream().map(e -> e.from().name()).toArray());
        Array vs = c.createArrayOf("bigint", doneVersions.toArray());
        ps.setArray(3, keys);
        ps.setArray(4, sides);
        ps.setArray(5, vs);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          boolean live = rs.getLong(1) > 0;
          long removed = rs.getLong(2);
          if (!live) {
            fenced.add(done.size());
          } else {
            completed.add(removed);
            requeued.add(done.size() - removed);
          }
        }
      } catch (SQLException e) {
        // The rows stay: claimed again later and synced again (idempotent, nothing newer lost).
        completeFailures.increment();
        errors.warn(
            "cannot complete repairs in the shared repair queue; they will be made again", e);
      }
    }

    private void pause(Duration wait) throws InterruptedException {
      LockSupport.parkNanos(Math.min(wait.toNanos(), TimeUnit.SECONDS.toNanos(1)));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private int timeoutSeconds() {
    return (int) Math.max(1, options.timeout().toSeconds());
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken: the transaction is gone with it
    }
  }
}
