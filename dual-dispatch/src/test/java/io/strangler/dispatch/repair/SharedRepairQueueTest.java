package io.strangler.dispatch.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's shared repair queue and the instances around it, on a real PostgreSQL: each instance
 * with its own pool and journal directory, as separate processes would have.
 */
@ExtendWith(RealServers.class)
class SharedRepairQueueTest {
  private static final Lease.Options FAST =
      new Lease.Options(Duration.ofMillis(1500), Duration.ofMillis(300));
  private static final SharedRepairQueue.Options NO_SETTLE =
      new SharedRepairQueue.Options(1_000, Duration.ZERO, Duration.ofSeconds(5));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Outcome OK =
      new Outcome.Answer(JSON.createObjectNode().put("ok", true), Duration.ZERO);
  private static final Outcome DOWN =
      new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO);

  private final PostgresDb db;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @TempDir Path dir;

  SharedRepairQueueTest(PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void emptyTables() throws SQLException {
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      s.execute(
          "DROP TABLE IF EXISTS strangler_lease, strangler_repair_queue, strangler_repair_forwarded");
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private HikariDataSource pool(String name) {
    HikariConfig c = new HikariConfig();
    c.setPoolName(name);
    c.setJdbcUrl(db.jdbcUrl());
    c.setUsername(db.user());
    c.setPassword(db.password());
    c.setMaximumPoolSize(3);
    c.setConnectionTimeout(1_000);
    HikariDataSource ds = new HikariDataSource(c);
    opened.add(ds);
    return ds;
  }

  private static RepairJournal.Entry entry(long seq, String op, String... keys) {
    return new RepairJournal.Entry(
        seq * 100, Instant.now(), op, Mode.Backend.LEGACY, "shadow_failed", List.of(keys), seq);
  }

  @Test
  void forwardedEntries_coalesceByEntity_andARedrainAfterACrash_addsNothing() throws Exception {
    SharedRepairQueue queue = SharedRepairQueue.open(pool("a"), NO_SETTLE);
    List<RepairJournal.Entry> batch =
        List.of(
            entry(1, "CreateRepl", "repl:r-1"),
            entry(2, "ConnectRepl", "repl:r-1"),
            entry(3, "Heartbeat", "machine:m-1"));

    SharedRepairQueue.Forwarded first = queue.forward("j-1", "i1", batch, Instant.now(), 0);
    // The journal did not save its offset before a crash: the same entries come again.
    SharedRepairQueue.Forwarded again = queue.forward("j-1", "i1", batch, Instant.now(), 0);
    SharedRepairQueue.Forwarded other =
        queue.forward(
            "j-2", "i2", List.of(entry(1, "StopContainer", "repl:r-1")), Instant.now(), 0);

    assertThat(first).isEqualTo(new SharedRepairQueue.Forwarded(3, 0, false));
    assertThat(again).isEqualTo(new SharedRepairQueue.Forwarded(0, 3, false));
    assertThat(other.entries()).as("another journal's entry 1 is its own").isEqualTo(1);
    SharedRepairQueue.Status s = queue.status();
    assertThat(s.pending()).as("one row per entity").isEqualTo(2);
    assertThat(s.pendingByOperation())
        .isEqualTo(
            Map.of("CreateRepl", 1L, "ConnectRepl", 1L, "StopContainer", 1L, "Heartbeat", 1L));
  }

  @Test
  void aFullQueue_forwardsNothing() throws Exception {
    SharedRepairQueue queue =
        SharedRepairQueue.open(
            pool("a"), new SharedRepairQueue.Options(2, Duration.ZERO, Duration.ofSeconds(5)));
    List<RepairJournal.Entry> batch = List.of(entry(1, "Heartbeat", "machine:m-1"));

    assertThat(queue.forward("j-1", "i1", batch, Instant.now(), 2).full()).isTrue();
    assertThat(queue.status().pending()).isZero();
    assertThat(queue.forward("j-1", "i1", batch, Instant.now(), 1).entries()).isEqualTo(1);
  }

  @Test
  void aHolderReplacedMidRepair_claimsNothingMore_andItsCompletionIsFenced() throws Exception {
    HikariDataSource ds = pool("a");
    SharedRepairQueue queue = SharedRepairQueue.open(ds, NO_SETTLE);
    Lease a = Lease.start(ds, FleetRepairs.LEASE, "a", FAST);
    opened.add(a);
    await().atMost(Duration.ofSeconds(5)).until(a::held);
    queue.forward(
        "j-1",
        "i1",
        List.of(entry(1, "Heartbeat", "machine:m-1"), entry(2, "Heartbeat", "machine:m-2")),
        Instant.now(),
        0);
    RepairSource source = queue.source(a, Clock.systemUTC());
    List<RepairJournal.Entry> claimed = source.next(10, Duration.ofMillis(100));
    assertThat(claimed).hasSize(2);

    // Another holder took the lease over while a repaired (a's renewals did not reach the
    // database in time): the row now names b, with the next token.
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "UPDATE strangler_lease SET holder = 'b', token = token + 1 WHERE name = 'repairer'");
    }
    source.commit(claimed.getLast().end(), claimed.size());

    assertThat(queue.fenced()).isEqualTo(2);
    assertThat(queue.completed()).isZero();
    assertThat(queue.status().pending()).as("left for the new holder").isEqualTo(2);
    assertThat(source.next(10, Duration.ofMillis(100)))
        .as("a stale token claims nothing")
        .isEmpty();
  }

  @Test
  void aRowNamedAgainDuringItsRepair_staysForAnotherRepair() throws Exception {
    HikariDataSource ds = pool("a");
    SharedRepairQueue queue = SharedRepairQueue.open(ds, NO_SETTLE);
    Lease a = Lease.start(ds, FleetRepairs.LEASE, "a", FAST);
    opened.add(a);
    await().atMost(Duration.ofSeconds(5)).until(a::held);
    queue.forward("j-1", "i1", List.of(entry(1, "Heartbeat", "machine:m-1")), Instant.now(), 0);
    RepairSource source = queue.source(a, Clock.systemUTC());
    List<RepairJournal.Entry> claimed = source.next(10, Duration.ofMillis(100));

    queue.forward("j-2", "i2", List.of(entry(1, "Heartbeat", "machine:m-1")), Instant.now(), 0);
    source.commit(claimed.getLast().end(), claimed.size());

    assertThat(queue.requeued()).isEqualTo(1);
    assertThat(queue.status().pending()).isEqualTo(1);
    List<RepairJournal.Entry> again = source.next(10, Duration.ofMillis(100));
    source.commit(again.getLast().end(), again.size());
    assertThat(queue.status().pending()).isZero();
  }

  /** One instance: its journal, its pool, its share of the fleet's repairs. */
  private record Instance(
      String id, RepairJournal journal, HikariDataSource pool, FleetRepairs repairs) {}

  private Instance instance(String id, EntityRepair repair, Repairer.Config config) {
    HikariDataSource ds = pool(id);
    RepairJournal journal =
        new RepairJournal(
            new RepairJournal.Config(dir.resolve(id), 10_000, 1L << 20, 1),
            (op, request, answer) -> List.of("k:" + request.path("key").asText()),
            Clock.systemUTC());
    opened.add(journal);
    FleetRepairs f =
        FleetRepairs.start(
            ds,
            journal,
            repair,
            config,
            id,
            new FleetRepairs.Options(FAST, 10_000, 64, Duration.ofMillis(200)),
            Clock.systemUTC());
    opened.add(f);
    return new Instance(id, journal, ds, f);
  }

  private static void record(RepairJournal journal, String key) {
    journal.accept(
        new Exchange(
            "Put",
            ApiSpec.Kind.WRITE,
            Mode.SHADOW,
            JSON.createObjectNode().put("key", key),
            "req-" + key,
            Instant.EPOCH,
            OK,
            DOWN));
  }

  @Test
  void threeInstances_oneRepairsForAll_andWhenItIsCutOffAnotherTakesOver_repairingEachEntityOnce() {
    Map<String, AtomicInteger> syncs = new ConcurrentHashMap<>();
    EntityRepair repair =
        (key, from) -> {
          syncs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          return RepairResult.REPAIRED;
        };
    // Slow enough that entities are still waiting when the holder goes.
    Repairer.Config slow =
        new Repairer.Config(8, 40, Duration.ZERO, Duration.ofMillis(20), Duration.ofMillis(200), 2);
    List<Instance> fleet =
        List.of(
            instance("i1", repair, slow),
            instance("i2", repair, slow),
            instance("i3", repair, slow));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fleet.stream().anyMatch(i -> i.repairs().holder()));
    Instance holder = fleet.stream().filter(i -> i.repairs().holder()).findFirst().orElseThrow();

    int n = 200;
    for (int k = 0; k < n; k++) {
      record(fleet.get(k % 3).journal(), "e" + k);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                fleet.stream()
                    .allMatch(
                        i -> i.repairs().status().forwarded() > 0 && i.journal().pending() == 0));
    await().atMost(Duration.ofSeconds(20)).until(() -> syncs.size() >= 20);

    long cutAt = System.nanoTime();
    holder.pool().close(); // cut off from the database, as a process that died
    List<Instance> others = fleet.stream().filter(i -> i != holder).toList();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              long holding = fleet.stream().filter(i -> i.repairs().holder()).count();
              assertThat(holding).as("holders at once").isLessThanOrEqualTo(1);
              return others.stream().anyMatch(i -> i.repairs().holder());
            });
    long takeoverMs = (System.nanoTime() - cutAt) / 1_000_000;
    int syncedAtTakeover = syncs.size();

    await().atMost(Duration.ofSeconds(60)).until(() -> syncs.size() == n);
    Instance next = others.stream().filter(i -> i.repairs().holder()).findFirst().orElseThrow();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> next.repairs().fleetPending().orElse(-1) == 0);

    long twice = syncs.values().stream().filter(c -> c.get() > 1).count();
    System.out.printf(
        "fleet repairs: holder %s cut off with %d of %d entities repaired; %s took over after %d ms"
            + " (lease ttl %s, renewed every %s); entities synced twice: %d%n",
        holder.id(),
        syncedAtTakeover,
        n,
        next.id(),
        takeoverMs,
        FAST.ttl(),
        FAST.renewEvery(),
        twice);
    assertThat(takeoverMs)
        .as("within ttl + one renewal")
        .isLessThan(FAST.ttl().plus(FAST.renewEvery()).plusMillis(1000).toMillis());
    assertThat(syncedAtTakeover).as("entities were still waiting when it went").isLessThan(n);
    // A batch the old holder was in when cut off may be synced again by the new one (it could not
    // complete it): at most one batch, never more.
    assertThat(twice).isLessThanOrEqualTo(slow.batch());
    assertThat(syncs.values()).allMatch(c -> c.get() <= 2);
  }
}
