package io.strangler.convergence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.importer.EntityKeys;
import io.strangler.legacy.LegacyKeys;
import io.strangler.legacy.LegacyKeys.Field;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Copies one entity's current state from one store to the other, so that afterwards both hold the
 * same state for it: a repl with its containers, current container, slug key and tombstone; a
 * machine with its running set and container index; a container; a tombstone; a slug (through the
 * repls that own it on either side).
 *
 * <p>Never overwrites a newer write (docs/convergence.md): the target is written inside a
 * transaction that also proves the source did not change meanwhile. Towards PostgreSQL: the
 * entity's rows are locked ({@code FOR UPDATE}, in the schema's lock order repl, container,
 * machine), compared, written, and the legacy source re-read just before {@code COMMIT}; a
 * different re-read rolls back and retries. Towards Redis: the entity's keys are {@code WATCH}ed,
 * compared, the PostgreSQL source re-read, and the writes sent in {@code MULTI}/{@code EXEC}; a
 * changed key aborts the {@code EXEC} and the sync retries. A write that lands on the target after
 * the sync's commit is newer than what the sync copied, and stays.
 *
 * <p>Idempotent: an entity both stores already agree on is left untouched ({@link
 * SyncResult.AlreadyEqual}). Thread-safe: each call uses its own connections.
 */
public final class EntitySync {
  static final int DEFAULT_ATTEMPTS = 5;

  /** Called before each commit, with the attempt number: lets tests race a newer write in. */
  interface BeforeCommit {
    BeforeCommit NONE = (ref, from, attempt) -> {};

    void run(EntityRef ref, Side from, int attempt);
  }

  private final JedisPool redis;
  private final DataSource pg;
  private final LegacyStore legacy;
  private final NewStore store;
  private final int attempts;
  private final BeforeCommit beforeCommit;

  public EntitySync(JedisPool redis, DataSource pg, Clock clock) {
    this(redis, pg, clock, DEFAULT_ATTEMPTS, BeforeCommit.NONE);
  }

  EntitySync(JedisPool redis, DataSource pg, Clock clock, int attempts, BeforeCommit beforeCommit) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
    }
    this.redis = Objects.requireNonNull(redis, "redis");
    this.pg = Objects.requireNonNull(pg, "pg");
    this.legacy = new LegacyStore(clock);
    this.store = new NewStore(clock);
    this.attempts = attempts;
    this.beforeCommit = Objects.requireNonNull(beforeCommit, "beforeCommit");
  }

  /** Copies {@code ref}'s state from {@code from} to the other store. */
  public SyncResult sync(EntityRef ref, Side from) {
    return switch (ref.type()) {
      case SLUGS, CONTAINERS, TOMBSTONES -> viaOwners(ref, from, false);
      case REPLS, MACHINES -> syncOne(ref, from);
    };
  }

  private SyncResult syncOne(EntityRef ref, Side from) {
    String last = "";
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        Attempt a = from == Side.LEGACY ? toNew(ref, attempt) : toLegacy(ref, attempt);
        if (a.result != null) {
          return a.result;
        }
        last = a.retryReason;
      } catch (SQLException | JedisException | IllegalArgumentException | IllegalStateException e) {
        if (attempt < attempts && concurrent(e)) {
          // Another transaction on the same rows won (a deadlock, or an insert of the same key
          // first): the next attempt, after a short random pause so that the two do not meet
          // again, reads what it committed.
          last = describe(e);
          java.util.concurrent.locks.LockSupport.parkNanos(
              java.util.concurrent.ThreadLocalRandom.current().nextLong(5_000_000, 50_000_000));
          continue;
        }
        return failure(ref, e);
      }
    }
    return new SyncResult.Conflict(ref, attempts, last);
  }

  /**
   * What {@link #sync} would change, without writing: {@code WouldSync} or {@code AlreadyEqual}.
   */
  public SyncResult plan(EntityRef ref, Side from) {
    return switch (ref.type()) {
      case SLUGS, CONTAINERS, TOMBSTONES -> viaOwners(ref, from, true);
      case REPLS, MACHINES -> planOne(ref, from);
    };
  }

  private SyncResult planOne(EntityRef ref, Side from) {
    try (Jedis j = redis.getResource()) {
      Group g = closure(j, ref);
      Map<EntityRef, ObjectNode> src = from == Side.LEGACY ? g.legacy : g.fresh;
      Map<EntityRef, ObjectNode> dst = from == Side.LEGACY ? g.fresh : g.legacy;
      List<String> changes = changes(src, dst);
      return changes.isEmpty()
          ? new SyncResult.AlreadyEqual(ref)
          : new SyncResult.WouldSync(ref, from, changes);
    } catch (SQLException | JedisException | IllegalArgumentException | IllegalStateException e) {
      return failure(ref, e);
    }
  }

  /**
   * A store that cannot be reached is {@link SyncResult.Unavailable} (a repairer waits and tries
   * again); anything else is {@link SyncResult.Failed}.
   */
  static SyncResult failure(EntityRef ref, Exception e) {
    return unreachable(e)
        ? new SyncResult.Unavailable(ref, describe(e))
        : new SyncResult.Failed(ref, describe(e));
  }

  /**
   * A failure that another transaction on the same rows caused and that a new attempt may not meet:
   * a deadlock, a serialization failure, or a unique key another transaction inserted first (when
   * the key stays taken, as by a repl of the same slug, the last attempt fails with it).
   */
  static boolean concurrent(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.equals("40P01") || state.equals("40001") || state.equals("23505")) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // HikariCP's answer on a connection it closed under the caller (it broke): no SQLSTATE.
      if (t instanceof SQLException s
          && s.getSQLState() == null
          && "Connection is closed".equals(s.getMessage())) {
        return true;
      }
      if (t instanceof redis.clients.jedis.exceptions.JedisConnectionException
          || t instanceof java.sql.SQLTransientConnectionException
          || t instanceof java.sql.SQLNonTransientConnectionException
          || t instanceof java.sql.SQLRecoverableException
          || t instanceof java.sql.SQLTimeoutException
          || t instanceof java.net.SocketTimeoutException
          || t instanceof java.net.ConnectException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.startsWith("08")
            || state.startsWith("53")
            || state.startsWith("57P")
            || state.equals("57014")) {
          return true;
        }
      }
      if (t instanceof redis.clients.jedis.exceptions.JedisDataException d
          && d.getMessage() != null) {
        String m = d.getMessage();
        if (m.startsWith("LOADING")
            || m.startsWith("BUSY")
            || m.startsWith("READONLY")
            || m.startsWith("MASTERDOWN")
            || m.startsWith("TRYAGAIN")) {
          return true;
        }
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ legacy -> PostgreSQL

  private Attempt toNew(EntityRef ref, int attempt) throws SQLException {
    try (Jedis j = redis.getResource();
        Connection c = pg.getConnection()) {
      Group g = closure(j, ref);
      Set<EntityRef> refs = g.refs;
      c.setAutoCommit(false);
      try {
        lockRows(c, refs, g);
        Map<EntityRef, ObjectNode> target = readNew(c, refs);
        Map<EntityRef, ObjectNode> source = readLegacy(j, refs);
        if (!refs.containsAll(implied(target)) || !refs.containsAll(implied(source))) {
          c.rollback();
          return Attempt.retry("the entity's members changed while its rows were locked");
        }
        List<String> changes = changes(source, target);
        if (changes.isEmpty()) {
          c.rollback();
          return Attempt.done(new SyncResult.AlreadyEqual(ref));
        }
        writeNew(c, source, target);
        beforeCommit.run(ref, Side.LEGACY, attempt);
        // The legacy source must still be what was written: otherwise a newer legacy write (and
        // its shadow write, waiting on these row locks) would be overwritten by an older state.
        if (!readLegacy(j, refs).equals(source)) {
          c.rollback();
          return Attempt.retry("the legacy source changed during the sync");
        }
        c.commit();
        return Attempt.done(new SyncResult.Synced(ref, Side.LEGACY, changes, attempt));
      } catch (SQLException | RuntimeException e) {
        rollbackAfter(c, e);
        throw e;
      }
    }
  }

  /**
   * Locks the rows the write may touch, in the schema's order: repls, containers, tombstones,
   * machines, these with the machines of every container of the group on either side (whose
   * counters the write recounts), all in one statement per table. Machines are locked {@code FOR NO
   * KEY UPDATE}: it waits for a placement's or heartbeat's update of the row as {@code FOR UPDATE}
   * would, but not for the key-share locks that inserting a container takes on its machine; a
   * {@code FOR UPDATE} queued behind those deadlocks with the placement that then updates the
   * counter.
   */
  private void lockRows(Connection c, Set<EntityRef> refs, Group g) throws SQLException {
    TreeSet<String> repls = new TreeSet<>();
    TreeSet<String> containers = new TreeSet<>();
    TreeSet<String> tombstones = new TreeSet<>();
    TreeSet<String> machines = new TreeSet<>();
    for (EntityRef r : refs) {
      switch (r.type()) {
        case REPLS -> repls.add(r.id());
        case CONTAINERS -> {
          containers.add(r.id());
          for (Map<EntityRef, ObjectNode> side : List.of(g.legacy, g.fresh)) {
            ObjectNode d = side.get(r);
            if (d != null && Docs.str(d, "replId") != null) {
              repls.add(Docs.str(d, "replId"));
            }
            if (d != null && Docs.str(d, "machineId") != null) {
              machines.add(Docs.str(d, "machineId"));
            }
          }
        }
        case TOMBSTONES -> tombstones.add(r.id());
        case MACHINES -> machines.add(r.id());
        case SLUGS -> {}
      }
    }
    lock(c, "SELECT 1 FROM repls WHERE repl_id = ANY(?) ORDER BY repl_id FOR UPDATE", repls);
    lock(
        c,
        "SELECT 1 FROM containers WHERE container_id = ANY(?) ORDER BY container_id FOR UPDATE",
        containers);
    lock(
        c,
        "SELECT 1 FROM tombstones WHERE repl_id = ANY(?) ORDER BY repl_id FOR UPDATE",
        tombstones);
    lock(
        c,
        "SELECT 1 FROM machines WHERE machine_id = ANY(?) ORDER BY machine_id FOR NO KEY UPDATE",
        machines);
  }

  private static void lock(Connection c, String sql, Collection<String> ids) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setArray(1, NewStore.array(c, new ArrayList<>(ids)));
      s.executeQuery().close();
    }
  }

  /**
   * Writes the source docs into PostgreSQL where they differ from the target's. Order matters for
   * the foreign keys and the one-RUNNING-container index: repls first, containers that stop or go
   * before those that run, repls that go last, machine counters recounted at the end.
   */
  private void writeNew(
      Connection c, Map<EntityRef, ObjectNode> source, Map<EntityRef, ObjectNode> target)
      throws SQLException {
    TreeSet<String> touchedMachines = new TreeSet<>();
    List<ObjectNode> running = new ArrayList<>();
    List<String> replsToDelete = new ArrayList<>();
    for (EntityRef r : source.keySet()) {
      ObjectNode s = source.get(r);
      ObjectNode t = target.get(r);
      if (r.type() == EntityType.MACHINES && s != null && !s.equals(t)) {
        upsertMachine(c, s);
        touchedMachines.add(r.id());
      }
    }
    for (EntityRef r : source.keySet()) {
      ObjectNode s = source.get(r);
      ObjectNode t = target.get(r);
      if (r.type() == EntityType.REPLS && !Objects.equals(s, t)) {
        if (s == null) {
          replsToDelete.add(r.id());
        } else if (!replRow(s).equals(t == null ? null : replRow(t))) {
          upsertRepl(c, s);
        }
      }
    }
    for (EntityRef r : source.keySet()) {
      ObjectNode s = source.get(r);
      ObjectNode t = target.get(r);
      if (Objects.equals(s, t)) {
        continue;
      }
      switch (r.type()) {
        case CONTAINERS -> {
          if (t != null && Docs.str(t, "machineId") != null) {
            touchedMachines.add(Docs.str(t, "machineId"));
          }
          if (s == null) {
            update(c, "DELETE FROM containers WHERE container_id = ?", r.id());
          } else {
            touchedMachines.add(Docs.str(s, "machineId"));
            if ("RUNNING".equals(Docs.str(s, "state"))) {
              running.add(s);
            } else {
              upsertContainer(c, s);
            }
          }
        }
        case TOMBSTONES -> {
          if (s == null) {
            update(c, "DELETE FROM tombstones WHERE repl_id = ?", r.id());
          }
        }
        default -> {}
      }
    }
    for (ObjectNode s : running) {
      upsertContainer(c, s);
    }
    for (EntityRef r : source.keySet()) {
      ObjectNode s = source.get(r);
      if (r.type() == EntityType.TOMBSTONES && s != null && !s.equals(target.get(r))) {
        upsertTombstone(c, s);
      }
    }
    for (String id : replsToDelete) {
      update(c, "DELETE FROM tombstones WHERE repl_id = ?", id);
      try (PreparedStatement s =
          c.prepareStatement("DELETE FROM containers WHERE repl_id = ? RETURNING machine_id")) {
        s.setString(1, id);
        try (var rs = s.executeQuery()) {
          while (rs.next()) {
            touchedMachines.add(rs.getString(1));
          }
        }
      }
      update(c, "DELETE FROM repls WHERE repl_id = ?", id);
    }
    for (EntityRef r : source.keySet()) {
      if (r.type() == EntityType.MACHINES && source.get(r) == null && target.get(r) != null) {
        update(c, "DELETE FROM machines WHERE machine_id = ?", r.id());
        touchedMachines.remove(r.id());
      }
    }
    recount(c, touchedMachines);
  }

  /** The columns of a repl's row, from its doc (current and containers come from containers). */
  private static List<Object> replRow(ObjectNode d) {
    List<Object> row = new ArrayList<>();
    for (String f : List.of("ownerId", "slug", "cluster", "pendingTransferTo", "createdAt")) {
      row.add(d.get(f));
    }
    return row;
  }

  private static void upsertRepl(Connection c, ObjectNode d) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO repls (repl_id, owner_id, slug, cluster, pending_transfer_to, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (repl_id) DO UPDATE SET"
                + " owner_id = EXCLUDED.owner_id, slug = EXCLUDED.slug, cluster = EXCLUDED.cluster,"
                + " pending_transfer_to = EXCLUDED.pending_transfer_to,"
                + " created_at = EXCLUDED.created_at")) {
      s.setString(1, Docs.str(d, "replId"));
      s.setString(2, Docs.str(d, "ownerId"));
      s.setString(3, Docs.str(d, "slug"));
      s.setString(4, Docs.str(d, "cluster"));
      s.setString(5, Docs.str(d, "pendingTransferTo"));
      s.setTimestamp(6, time(d, "createdAt"));
      s.executeUpdate();
    }
  }

  private static void upsertContainer(Connection c, ObjectNode d) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO containers (container_id, repl_id, machine_id, cluster, state, started_at,"
                + " stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (container_id) DO UPDATE"
                + " SET repl_id = EXCLUDED.repl_id, machine_id = EXCLUDED.machine_id,"
                + " cluster = EXCLUDED.cluster, state = EXCLUDED.state,"
                + " started_at = EXCLUDED.started_at, stopped_at = EXCLUDED.stopped_at")) {
      s.setString(1, Docs.str(d, "containerId"));
      s.setString(2, Docs.str(d, "replId"));
      s.setString(3, Docs.str(d, "machineId"));
      s.setString(4, Docs.str(d, "cluster"));
      s.setString(5, Docs.str(d, "state"));
      s.setTimestamp(6, time(d, "startedAt"));
      JsonNode stopped = d.get("stoppedAt");
      if (stopped == null || stopped.isNull()) {
        s.setNull(7, Types.TIMESTAMP_WITH_TIMEZONE);
      } else {
        s.setTimestamp(7, time(d, "stoppedAt"));
      }
      s.executeUpdate();
    }
  }

  private static void upsertTombstone(Connection c, ObjectNode d) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO tombstones (repl_id, from_cluster, to_cluster, created_at, expires_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (repl_id) DO UPDATE SET"
                + " from_cluster = EXCLUDED.from_cluster, to_cluster = EXCLUDED.to_cluster,"
                + " created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at")) {
      s.setString(1, Docs.str(d, "replId"));
      s.setString(2, Docs.str(d, "from"));
      s.setString(3, Docs.str(d, "to"));
      s.setTimestamp(4, time(d, "createdAt"));
      s.setTimestamp(5, time(d, "expiresAt"));
      s.executeUpdate();
    }
  }

  private static void upsertMachine(Connection c, ObjectNode d) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO machines (machine_id, cluster, address, capacity, state, cpu_percent,"
                + " running_containers, registered_at, last_heartbeat_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (machine_id) DO UPDATE SET"
                + " cluster = EXCLUDED.cluster, address = EXCLUDED.address,"
                + " capacity = EXCLUDED.capacity, state = EXCLUDED.state,"
                + " cpu_percent = EXCLUDED.cpu_percent, registered_at = EXCLUDED.registered_at,"
                + " last_heartbeat_at = EXCLUDED.last_heartbeat_at")) {
      s.setString(1, Docs.str(d, "machineId"));
      s.setString(2, Docs.str(d, "cluster"));
      s.setString(3, Docs.str(d, "address"));
      s.setInt(4, Math.toIntExact(Docs.num(d, "capacity")));
      s.setString(5, Docs.str(d, "state"));
      JsonNode cpu = d.get("cpuPercent");
      if (cpu == null || !cpu.isNumber()) {
        throw new IllegalArgumentException("field 'cpuPercent' is " + cpu + ", not a number");
      }
      s.setDouble(6, cpu.doubleValue());
      s.setTimestamp(7, time(d, "registeredAt"));
      s.setTimestamp(8, time(d, "lastHeartbeatAt"));
      s.executeUpdate();
    }
  }

  /**
   * Sets each machine's counter to its RUNNING containers. The row lock is taken by a statement of
   * its own first: the count must be read by a later statement, whose snapshot includes a placement
   * that held the lock (and had inserted its container) when this one asked for it.
   */
  private static void recount(Connection c, Collection<String> machines) throws SQLException {
    if (machines.isEmpty()) {
      return;
    }
    lock(
        c,
        "SELECT 1 FROM machines WHERE machine_id = ANY(?) ORDER BY machine_id FOR NO KEY UPDATE",
        machines);
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE machines m SET running_containers = (SELECT count(*) FROM containers k"
                + " WHERE k.machine_id = m.machine_id AND k.state = 'RUNNING')"
                + " WHERE m.machine_id = ANY(?)")) {
      s.setArray(1, NewStore.array(c, new ArrayList<>(machines)));
      s.executeUpdate();
    }
  }

  private static void update(Connection c, String sql, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, id);
      s.executeUpdate();
    }
  }

  private static Timestamp time(ObjectNode d, String field) {
    return new Timestamp(Docs.num(d, field));
  }

  // ------------------------------------------------------------------ PostgreSQL -> legacy

  private Attempt toLegacy(EntityRef ref, int attempt) throws SQLException {
    try (Jedis j = redis.getResource()) {
      Group g = closure(j, ref);
      Set<EntityRef> refs = g.refs;
      Set<String> keys = watchKeys(j, refs, g.legacy, g.fresh);
      j.watch(keys.toArray(String[]::new));
      boolean inMulti = false;
      try {
        Map<EntityRef, ObjectNode> target = readLegacy(j, refs);
        if (!refs.containsAll(implied(target))
            || !keys.containsAll(watchKeys(j, refs, target, g.fresh))) {
          return Attempt.retry("the legacy entity changed before it was watched");
        }
        Map<EntityRef, ObjectNode> source;
        Map<String, Map<String, Long>> machineScores = new HashMap<>();
        try (Connection c = pg.getConnection()) {
          source = snapshot(c, refs, machineScores);
        }
        // The source as read now, after the WATCH: a PostgreSQL write committed before this read
        // has its legacy shadow write either before the WATCH (then in the target read above) or
        // after it (then EXEC fails). One committed after this read is newer than anything here.
        if (!source.equals(g.fresh)) {
          return Attempt.retry("the PostgreSQL source changed during the sync");
        }
        List<String> changes = changes(source, target);
        if (changes.isEmpty()) {
          return Attempt.done(new SyncResult.AlreadyEqual(ref));
        }
        Map<String, String> currents = currentPointers(j, source, target);
        beforeCommit.run(ref, Side.NEW, attempt);
        Transaction t = j.multi();
        inMulti = true;
        writeLegacy(t, source, target, machineScores, currents);
        List<Object> replies = t.exec();
        inMulti = false;
        if (replies == null) {
          return Attempt.retry("a watched legacy key changed during the sync");
        }
        return Attempt.done(new SyncResult.Synced(ref, Side.NEW, changes, attempt));
      } finally {
        if (!inMulti) {
          j.unwatch();
        }
      }
    }
  }

  /** Reads the PostgreSQL docs of {@code refs} in one snapshot, with the machines' indexes. */
  private Map<EntityRef, ObjectNode> snapshot(
      Connection c, Set<EntityRef> refs, Map<String, Map<String, Long>> machineScores)
      throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    c.setReadOnly(true);
    Map<EntityRef, ObjectNode> docs;
    try {
      docs = readNew(c, refs);
      for (EntityRef r : refs) {
        if (r.type() == EntityType.MACHINES && docs.get(r) != null) {
          machineScores.put(r.id(), NewStore.machineContainerScores(c, r.id()));
        }
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      // The read's failure is what counts (a connection that broke fails the rollback too).
      rollbackAfter(c, e);
      throw e;
    }
    c.setReadOnly(false);
    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    c.setAutoCommit(true);
    return docs;
  }

  /** Rolls back after {@code failure}; a rollback that fails as well is kept with it. */
  private static void rollbackAfter(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException r) {
      failure.addSuppressed(r);
    }
  }

  /**
   * Every legacy key the write may change or decide on: the entities' own keys, the indexes their
   * containers sit in (on either side), their slug keys and the clusters' machine lists.
   */
  private static Set<String> watchKeys(
      Jedis j,
      Set<EntityRef> refs,
      Map<EntityRef, ObjectNode> legacyDocs,
      Map<EntityRef, ObjectNode> newDocs) {
    Set<String> keys = new TreeSet<>();
    for (EntityRef r : refs) {
      keys.addAll(EntityKeys.keysOf(r.type().legacy, r.id()));
      for (Map<EntityRef, ObjectNode> side : List.of(legacyDocs, newDocs)) {
        ObjectNode d = side.get(r);
        if (d == null) {
          continue;
        }
        switch (r.type()) {
          case CONTAINERS -> {
            String repl = Docs.str(d, "replId");
            String machine = Docs.str(d, "machineId");
            if (repl != null) {
              keys.add(LegacyKeys.replContainers(repl));
              keys.add(LegacyKeys.replCurrent(repl));
            }
            if (machine != null) {
              keys.add(LegacyKeys.machineContainers(machine));
              keys.add(LegacyKeys.machineRunning(machine));
            }
          }
          case MACHINES -> {
            if (Docs.str(d, "cluster") != null) {
              keys.add(LegacyKeys.clusterMachines(Docs.str(d, "cluster")));
            }
          }
          case REPLS -> {
            if (Docs.str(d, "slug") != null) {
              keys.add(LegacyKeys.slug(Docs.str(d, "slug")));
            }
          }
          default -> {}
        }
      }
    }
    return keys;
  }

  /**
   * Queues the writes that make the legacy keys hold the source docs. Containers first, then
   * tombstones, repls (which rewrite their container index and current pointer whole), slugs and
   * machines (which rewrite their running set and container index whole from the snapshot).
   */
  private static void writeLegacy(
      Transaction t,
      Map<EntityRef, ObjectNode> source,
      Map<EntityRef, ObjectNode> target,
      Map<String, Map<String, Long>> machineScores,
      Map<String, String> currents) {
    Map<EntityType, List<EntityRef>> byType = new EnumMap<>(EntityType.class);
    for (EntityRef r : source.keySet()) {
      if (!Objects.equals(source.get(r), target.get(r))) {
        byType.computeIfAbsent(r.type(), k -> new ArrayList<>()).add(r);
      }
    }
    boolean replsWritten = byType.containsKey(EntityType.REPLS);
    for (EntityRef r : byType.getOrDefault(EntityType.CONTAINERS, List.of())) {
      ObjectNode s = source.get(r);
      ObjectNode d = target.get(r);
      String oldMachine = d == null ? null : Docs.str(d, "machineId");
      String oldRepl = d == null ? null : Docs.str(d, "replId");
      t.del(LegacyKeys.container(r.id()));
      if (s == null) {
        if (oldMachine != null) {
          t.zrem(LegacyKeys.machineContainers(oldMachine), r.id());
          t.srem(LegacyKeys.machineRunning(oldMachine), r.id());
        }
        if (oldRepl != null) {
          t.zrem(LegacyKeys.replContainers(oldRepl), r.id());
          if (!replsWritten && r.id().equals(currents.get(oldRepl))) {
            t.del(LegacyKeys.replCurrent(oldRepl));
          }
        }
        continue;
      }
      String machine = Docs.str(s, "machineId");
      String repl = Docs.str(s, "replId");
      boolean running = "RUNNING".equals(Docs.str(s, "state"));
      Map<String, String> h = new LinkedHashMap<>();
      h.put(Field.CONTAINER_ID, r.id());
      h.put(Field.REPL_ID, repl);
      h.put(Field.MACHINE_ID, machine);
      h.put(Field.CLUSTER, Docs.str(s, "cluster"));
      h.put(Field.STATE, Docs.str(s, "state"));
      h.put(Field.STARTED_AT, Long.toString(Docs.num(s, "startedAt")));
      if (!running) {
        h.put(Field.STOPPED_AT, Long.toString(Docs.num(s, "stoppedAt")));
      }
      t.hset(LegacyKeys.container(r.id()), h);
      if (oldMachine != null && !oldMachine.equals(machine)) {
        t.zrem(LegacyKeys.machineContainers(oldMachine), r.id());
        t.srem(LegacyKeys.machineRunning(oldMachine), r.id());
      }
      if (oldRepl != null && !oldRepl.equals(repl)) {
        t.zrem(LegacyKeys.replContainers(oldRepl), r.id());
      }
      t.zadd(LegacyKeys.machineContainers(machine), Docs.num(s, "startedAt"), r.id());
      t.zadd(LegacyKeys.replContainers(repl), Docs.num(s, "startedAt"), r.id());
      if (running) {
        t.sadd(LegacyKeys.machineRunning(machine), r.id());
        if (!replsWritten) {
          t.set(LegacyKeys.replCurrent(repl), r.id());
        }
      } else {
        t.srem(LegacyKeys.machineRunning(machine), r.id());
        if (!replsWritten && r.id().equals(currents.get(repl))) {
          t.del(LegacyKeys.replCurrent(repl));
        }
      }
    }
    for (EntityRef r : byType.getOrDefault(EntityType.TOMBSTONES, List.of())) {
      ObjectNode s = source.get(r);
      t.del(LegacyKeys.tombstone(r.id()));
      if (s != null) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(Field.REPL_ID, r.id());
        h.put(Field.FROM, Docs.str(s, "from"));
        h.put(Field.TO, Docs.str(s, "to"));
        h.put(Field.CREATED_AT, Long.toString(Docs.num(s, "createdAt")));
        h.put(Field.EXPIRES_AT, Long.toString(Docs.num(s, "expiresAt")));
        t.hset(LegacyKeys.tombstone(r.id()), h);
        t.pexpireAt(LegacyKeys.tombstone(r.id()), Docs.num(s, "expiresAt"));
      }
    }
    for (EntityRef r : byType.getOrDefault(EntityType.REPLS, List.of())) {
      ObjectNode s = source.get(r);
      t.del(
          LegacyKeys.repl(r.id()),
          LegacyKeys.replCurrent(r.id()),
          LegacyKeys.replContainers(r.id()));
      if (s == null) {
        continue;
      }
      Map<String, String> h = new LinkedHashMap<>();
      h.put(Field.REPL_ID, r.id());
      h.put(Field.OWNER_ID, Docs.str(s, "ownerId"));
      h.put(Field.SLUG, Docs.str(s, "slug"));
      h.put(Field.REGION, Docs.str(s, "region"));
      h.put(Field.CLUSTER, Docs.str(s, "cluster"));
      h.put(Field.CREATED_AT, Long.toString(Docs.num(s, "createdAt")));
      if (Docs.str(s, "pendingTransferTo") != null) {
        h.put(Field.PENDING_TRANSFER_TO, Docs.str(s, "pendingTransferTo"));
      }
      t.hset(LegacyKeys.repl(r.id()), h);
      if (Docs.str(s, "current") != null) {
        t.set(LegacyKeys.replCurrent(r.id()), Docs.str(s, "current"));
      }
      Map<String, Double> scores = new LinkedHashMap<>();
      for (JsonNode c : s.get("containers")) {
        ObjectNode cd = source.get(EntityRef.container(c.asText()));
        if (cd != null) {
          scores.put(c.asText(), (double) Docs.num(cd, "startedAt"));
        }
      }
      if (!scores.isEmpty()) {
        t.zadd(LegacyKeys.replContainers(r.id()), scores);
      }
    }
    for (EntityRef r : byType.getOrDefault(EntityType.SLUGS, List.of())) {
      ObjectNode s = source.get(r);
      if (s == null) {
        t.del(LegacyKeys.slug(r.id()));
      } else {
        t.set(LegacyKeys.slug(r.id()), Docs.str(s, "replId"));
      }
    }
    for (EntityRef r : byType.getOrDefault(EntityType.MACHINES, List.of())) {
      ObjectNode s = source.get(r);
      ObjectNode d = target.get(r);
      String oldCluster = d == null ? null : Docs.str(d, "cluster");
      t.del(
          LegacyKeys.machine(r.id()),
          LegacyKeys.machineRunning(r.id()),
          LegacyKeys.machineContainers(r.id()));
      if (s == null) {
        if (oldCluster != null) {
          t.srem(LegacyKeys.clusterMachines(oldCluster), r.id());
        }
        continue;
      }
      Map<String, String> h = new LinkedHashMap<>();
      h.put(Field.MACHINE_ID, r.id());
      h.put(Field.CLUSTER, Docs.str(s, "cluster"));
      h.put(Field.ADDRESS, Docs.str(s, "address"));
      h.put(Field.CAPACITY, Long.toString(Docs.num(s, "capacity")));
      h.put(Field.STATE, Docs.str(s, "state"));
      h.put(Field.CPU_PERCENT, Double.toString(s.get("cpuPercent").doubleValue()));
      h.put(Field.REGISTERED_AT, Long.toString(Docs.num(s, "registeredAt")));
      h.put(Field.LAST_HEARTBEAT_AT, Long.toString(Docs.num(s, "lastHeartbeatAt")));
      t.hset(LegacyKeys.machine(r.id()), h);
      List<String> running = new ArrayList<>();
      s.get("running").forEach(n -> running.add(n.asText()));
      if (!running.isEmpty()) {
        t.sadd(LegacyKeys.machineRunning(r.id()), running.toArray(String[]::new));
      }
      Map<String, Double> scores = new LinkedHashMap<>();
      machineScores.getOrDefault(r.id(), Map.of()).forEach((c, at) -> scores.put(c, (double) at));
      if (!scores.isEmpty()) {
        t.zadd(LegacyKeys.machineContainers(r.id()), scores);
      }
      t.sadd(LegacyKeys.clusterMachines(Docs.str(s, "cluster")), r.id());
      if (oldCluster != null && !oldCluster.equals(Docs.str(s, "cluster"))) {
        t.srem(LegacyKeys.clusterMachines(oldCluster), r.id());
      }
    }
  }

  /**
   * The legacy current pointers of the repls the containers name, read (under the WATCH) before
   * MULTI, where a connection can no longer read.
   */
  private static Map<String, String> currentPointers(
      Jedis j, Map<EntityRef, ObjectNode> source, Map<EntityRef, ObjectNode> target) {
    Map<String, String> out = new HashMap<>();
    for (Map<EntityRef, ObjectNode> side : List.of(source, target)) {
      side.forEach(
          (r, d) -> {
            if (r.type() == EntityType.CONTAINERS && d != null && Docs.str(d, "replId") != null) {
              String repl = Docs.str(d, "replId");
              if (!out.containsKey(repl)) {
                out.put(repl, j.get(LegacyKeys.replCurrent(repl)));
              }
            }
          });
    }
    return out;
  }

  // ------------------------------------------------------------------ what repls own

  /**
   * Containers, tombstones and slugs belong to a repl: the new store cannot hold a container or
   * tombstone without its repl row, and a slug is a column of it. So they are synced through the
   * repls that own them on either side (whose sync covers them), then on their own for what no repl
   * covers (a container its repl does not list, a slug key no repl owns).
   */
  private SyncResult viaOwners(EntityRef ref, Side from, boolean dryRun) {
    Set<String> owners = new TreeSet<>();
    try (Jedis j = redis.getResource();
        Connection c = pg.getConnection()) {
      if (ref.type() == EntityType.TOMBSTONES) {
        owners.add(ref.id());
      } else {
        ObjectNode l = legacy.read(j, ref.type(), List.of(ref.id())).get(ref.id());
        ObjectNode n = store.read(c, ref.type(), List.of(ref.id())).get(ref.id());
        for (ObjectNode d : new ObjectNode[] {l, n}) {
          if (d != null && Docs.str(d, "replId") != null) {
            owners.add(Docs.str(d, "replId"));
          }
        }
      }
    } catch (SQLException | JedisException e) {
      return failure(ref, e);
    }
    List<String> changes = new ArrayList<>();
    int attemptsUsed = 1;
    for (String owner : owners) {
      SyncResult r = dryRun ? plan(EntityRef.repl(owner), from) : sync(EntityRef.repl(owner), from);
      switch (r) {
        case SyncResult.Synced s -> {
          changes.addAll(s.changes());
          attemptsUsed = Math.max(attemptsUsed, s.attempts());
        }
        case SyncResult.WouldSync w -> changes.addAll(w.changes());
        case SyncResult.AlreadyEqual a -> {}
        case SyncResult.Conflict x -> {
          return new SyncResult.Conflict(ref, x.attempts(), x.detail());
        }
        case SyncResult.Unavailable u -> {
          return new SyncResult.Unavailable(ref, u.reason());
        }
        case SyncResult.Failed f -> {
          return new SyncResult.Failed(ref, f.reason());
        }
      }
    }
    // What the owners' syncs did not cover: a legacy slug key no PostgreSQL repl owns (written
    // only towards legacy: PostgreSQL has no slug apart from its repl), a container its repl does
    // not list, a tombstone of a repl the target lacks.
    // A dry run whose owners would already change something would list the same change twice.
    if ((ref.type() != EntityType.SLUGS || from == Side.NEW) && !(dryRun && !changes.isEmpty())) {
      SyncResult r = dryRun ? planOne(ref, from) : syncOne(ref, from);
      switch (r) {
        case SyncResult.Synced s -> changes.addAll(s.changes());
        case SyncResult.WouldSync w -> changes.addAll(w.changes());
        case SyncResult.AlreadyEqual a -> {}
        case SyncResult.Conflict x -> {
          return new SyncResult.Conflict(ref, x.attempts(), x.detail());
        }
        case SyncResult.Unavailable u -> {
          return new SyncResult.Unavailable(ref, u.reason());
        }
        case SyncResult.Failed f -> {
          return new SyncResult.Failed(ref, f.reason());
        }
      }
    }
    if (changes.isEmpty()) {
      return new SyncResult.AlreadyEqual(ref);
    }
    return dryRun
        ? new SyncResult.WouldSync(ref, from, changes)
        : new SyncResult.Synced(ref, from, changes, attemptsUsed);
  }

  // ------------------------------------------------------------------ shared

  /** Both sides' docs of an entity and of everything it implies, read until nothing new appears. */
  private Group closure(Jedis j, EntityRef ref) throws SQLException {
    Set<EntityRef> refs = new LinkedHashSet<>();
    refs.add(ref);
    if (ref.type() == EntityType.REPLS) {
      refs.add(EntityRef.tombstone(ref.id()));
    }
    for (int round = 0; ; round++) {
      Map<EntityRef, ObjectNode> l = readLegacy(j, refs);
      Map<EntityRef, ObjectNode> n;
      try (Connection c = pg.getConnection()) {
        n = snapshot(c, refs, new HashMap<>());
      }
      Set<EntityRef> more = new LinkedHashSet<>(implied(l));
      more.addAll(implied(n));
      if (refs.containsAll(more) || round == 3) {
        return new Group(refs, l, n);
      }
      refs.addAll(more);
    }
  }

  /** The entities a repl's docs name: its containers, current container and slug. */
  private static Set<EntityRef> implied(Map<EntityRef, ObjectNode> docs) {
    Set<EntityRef> out = new LinkedHashSet<>();
    docs.forEach(
        (r, d) -> {
          if (r.type() != EntityType.REPLS || d == null) {
            return;
          }
          d.get("containers").forEach(c -> out.add(EntityRef.container(c.asText())));
          if (Docs.str(d, "current") != null) {
            out.add(EntityRef.container(Docs.str(d, "current")));
          }
          if (Docs.str(d, "slug") != null) {
            out.add(EntityRef.slug(Docs.str(d, "slug")));
          }
        });
    return out;
  }

  private Map<EntityRef, ObjectNode> readLegacy(Jedis j, Set<EntityRef> refs) {
    Map<EntityRef, ObjectNode> out = new LinkedHashMap<>();
    for (Map.Entry<EntityType, List<String>> e : byType(refs).entrySet()) {
      Map<String, ObjectNode> docs = legacy.read(j, e.getKey(), e.getValue());
      for (String id : e.getValue()) {
        out.put(new EntityRef(e.getKey(), id), docs.get(id));
      }
    }
    return out;
  }

  private Map<EntityRef, ObjectNode> readNew(Connection c, Set<EntityRef> refs)
      throws SQLException {
    Map<EntityRef, ObjectNode> out = new LinkedHashMap<>();
    for (Map.Entry<EntityType, List<String>> e : byType(refs).entrySet()) {
      Map<String, ObjectNode> docs = store.read(c, e.getKey(), e.getValue());
      for (String id : e.getValue()) {
        out.put(new EntityRef(e.getKey(), id), docs.get(id));
      }
    }
    return out;
  }

  private static Map<EntityType, List<String>> byType(Set<EntityRef> refs) {
    Map<EntityType, List<String>> m = new TreeMap<>();
    for (EntityRef r : refs) {
      m.computeIfAbsent(r.type(), k -> new ArrayList<>()).add(r.id());
    }
    return m;
  }

  /** One line per entity whose docs differ: created, deleted, or the fields that change. */
  static List<String> changes(
      Map<EntityRef, ObjectNode> source, Map<EntityRef, ObjectNode> target) {
    List<String> out = new ArrayList<>();
    for (EntityRef r : source.keySet()) {
      ObjectNode s = source.get(r);
      ObjectNode t = target.get(r);
      if (Objects.equals(s, t)) {
        continue;
      }
      if (t == null) {
        out.add(r + ": created");
      } else if (s == null) {
        out.add(r + ": deleted");
      } else {
        List<String> fields = new ArrayList<>();
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
          String f = it.next();
          if (!Objects.equals(s.get(f), t.get(f))) {
            fields.add(f + " " + t.get(f) + " -> " + s.get(f));
          }
        }
        out.add(r + ": " + String.join(", ", fields));
      }
    }
    return out;
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private record Group(
      Set<EntityRef> refs, Map<EntityRef, ObjectNode> legacy, Map<EntityRef, ObjectNode> fresh) {}

  private record Attempt(SyncResult result, String retryReason) {
    static Attempt done(SyncResult r) {
      return new Attempt(r, null);
    }

    static Attempt retry(String why) {
      return new Attempt(null, why);
    }
  }
}
