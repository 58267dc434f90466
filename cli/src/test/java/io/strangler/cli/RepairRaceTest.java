package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.model.Topology;
import io.strangler.convergence.DriftReport;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Eight clients write through the proxy while the repairer and drift repairs copy the same entities
 * from the authoritative store to the shadow store, and no newer write is overwritten:
 *
 * <ul>
 *   <li>a heartbeat's shadow not answered within 1 ms is reported timed out (the write itself still
 *       lands; the proxy's timer ticks every 10 ms, so in practice most against PostgreSQL, fewer
 *       against Redis), so it is journaled and its machine repaired, with no settle time, while the
 *       next heartbeats of that machine and their shadow writes arrive;
 *   <li>drift repairs run back to back meanwhile, syncing whatever a scan finds different, which
 *       under load is mostly writes whose shadow is still in flight;
 *   <li>at the end, with no repair pending, the stores are equal and hold every acknowledged last
 *       write. A sync that wrote an older state over a newer write whose own shadow had already
 *       landed would leave that write lost in the shadow store: nothing would journal it again.
 * </ul>
 *
 * <p>Each machine's heartbeats only go up, and a watcher reads the shadow store's values all along.
 * With no settle time a repair may copy a machine ahead of its shadow writes still queued; those
 * then land on top and the shadow store shows an older value again until the last queued one lands.
 * That is the proxy's queue catching up, not a repair overwriting anything: it is counted and
 * printed, not failed on (docs/convergence.md).
 */
@ExtendWith(RealServers.class)
class RepairRaceTest {
  private static final Topology TOPOLOGY = Topology.sample(2, 2);
  private static final Duration LOAD = Duration.ofSeconds(15);

  /** Repairs right away: the tightest race with the writes that follow. */
  private static final Repairer.Config NO_SETTLE =
      new Repairer.Config(
          256, 2_000, Duration.ZERO, Duration.ofMillis(50), Duration.ofSeconds(1), 4);

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  RepairRaceTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"SHADOW", "NEW_PRIMARY"})
  void writesThroughTheProxy_whileRepairsRun_areNeverOverwrittenByAnOlderState(Mode mode)
      throws Exception {
    try (RepairHarness h =
        RepairHarness.start(
            redis.uri(),
            pg.database(),
            pg.database(),
            dir,
            mode,
            TOPOLOGY,
            b -> b.shadowTimeout("Heartbeat", Duration.ofMillis(1)),
            NO_SETTLE)) {
      WriteLoad load = new WriteLoad(h, TOPOLOGY, 8, 300);
      load.prepare();
      Watcher watcher = new Watcher(h, mode.shadow().orElseThrow(), load.machines());
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong driftRepairs = new AtomicLong();
      List<String> problems = new CopyOnWriteArrayList<>();
      Thread watching = Thread.ofPlatform().name("watcher").start(() -> watcher.run(running));
      Thread repairing =
          Thread.ofPlatform()
              .name("drift-repairs")
              .start(
                  () -> {
                    String from = mode.authoritative() == Mode.Backend.LEGACY ? "legacy" : "new";
                    while (running.get()) {
                      RepairHarness.Answer a =
                          h.admin("POST", "/admin/repairs/scan", "{\"from\": \"" + from + "\"}");
                      if (a.status() == 202) {
                        driftRepairs.incrementAndGet();
                      } else if (a.status() != 409) {
                        problems.add(a.status() + " " + a.body());
                      }
                      await()
                          .atMost(Duration.ofSeconds(60))
                          .until(
                              () ->
                                  !h.adminJson("/admin/repairs")
                                      .path("driftScan")
                                      .path("running")
                                      .asBoolean());
                    }
                  });

      load.start();
      long started = System.nanoTime();
      await()
          .atMost(LOAD.plusSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> System.nanoTime() - started >= LOAD.toNanos());
      load.stop();
      running.set(false);
      repairing.join(Duration.ofSeconds(90));
      watching.join(Duration.ofSeconds(10));
      assertThat(repairing.isAlive() || watching.isAlive()).isFalse();

      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> h.adminJson("/admin/repairs").path("pending").asLong() == 0);
      DriftReport scan = h.scan();
      JsonNode repairs = h.adminJson("/admin/repairs");
      System.out.printf(
          "%s: %s; journal recorded %d, repaired %d, already equal %d, retried %d, failed %d; %d drift repairs; %d reads of the shadow's heartbeats, %d showed one older than before%n",
          mode,
          load.summary(),
          repairs.path("recorded").asLong(),
          repairs.path("repaired").asLong(),
          repairs.path("alreadyEqual").asLong(),
          repairs.path("retried").asLong(),
          repairs.path("failed").asLong(),
          driftRepairs.get(),
          watcher.reads.get(),
          watcher.wentBack.get());

      assertThat(problems).isEmpty();
      assertThat(load.internal).isEmpty();
      assertThat(repairs.path("recorded").asLong())
          .as("heartbeats journaled while the load ran")
          .isPositive();
      assertThat(repairs.path("repaired").asLong() + repairs.path("alreadyEqual").asLong())
          .as(repairs.toString())
          .isPositive();
      assertThat(repairs.path("failed").asLong()).as(repairs.toString()).isZero();
      assertThat(driftRepairs.get()).as("drift repairs alongside the writes").isGreaterThan(1);
      assertThat(scan.hasDrift()).as(scan.toText()).isFalse();
      load.assertHeldBy(h.legacyView, "legacy");
      load.assertHeldBy(h.newView, "new");
    }
  }

  /**
   * The same load with the journal's repairs alone (no drift repairs, which copy whatever a scan
   * finds): a repair waits until the proxy holds no shadow write of its machine, so the shadow
   * store never shows a heartbeat older than one it showed before. Before repairs waited, runs of
   * this load showed dozens to hundreds of such reads (docs/convergence.md).
   */
  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"SHADOW", "NEW_PRIMARY"})
  void repairsOfEntitiesWithQueuedShadowWrites_waitForThem_andNoOlderStateIsEverSeen(Mode mode)
      throws Exception {
    try (RepairHarness h =
        RepairHarness.start(
            redis.uri(),
            pg.database(),
            pg.database(),
            dir,
            mode,
            TOPOLOGY,
            b -> b.shadowTimeout("Heartbeat", Duration.ofMillis(1)),
            NO_SETTLE)) {
      WriteLoad load = new WriteLoad(h, TOPOLOGY, 8, 300);
      load.prepare();
      Watcher watcher = new Watcher(h, mode.shadow().orElseThrow(), load.machines());
      AtomicBoolean running = new AtomicBoolean(true);
      Thread watching = Thread.ofPlatform().name("watcher").start(() -> watcher.run(running));
      load.start();
      long started = System.nanoTime();
      await()
          .atMost(LOAD.plusSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> System.nanoTime() - started >= LOAD.toNanos());
      load.stop();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> h.adminJson("/admin/repairs").path("pending").asLong() == 0);
      running.set(false);
      watching.join(Duration.ofSeconds(10));
      assertThat(watching.isAlive()).isFalse();
      DriftReport scan = h.scan();
      JsonNode repairs = h.adminJson("/admin/repairs");
      System.out.printf(
          "%s, repairs wait for queued shadow writes: %s; journal recorded %d, repaired %d, already equal %d, deferred %d, repaired while queued %d; %d reads of the shadow's heartbeats, %d showed one older than before%n",
          mode,
          load.summary(),
          repairs.path("recorded").asLong(),
          repairs.path("repaired").asLong(),
          repairs.path("alreadyEqual").asLong(),
          repairs.path("deferred").asLong(),
          repairs.path("repairedWhileQueued").asLong(),
          watcher.reads.get(),
          watcher.wentBack.get());

      assertThat(load.internal).isEmpty();
      assertThat(repairs.path("repaired").asLong() + repairs.path("alreadyEqual").asLong())
          .as(repairs.toString())
          .isPositive();
      assertThat(repairs.path("deferred").asLong())
          .as("repairs put off while shadow writes of their entity were queued: %s", repairs)
          .isPositive();
      assertThat(repairs.path("repairedWhileQueued").asLong()).as(repairs.toString()).isZero();
      assertThat(repairs.path("failed").asLong()).as(repairs.toString()).isZero();
      assertThat(watcher.reads.get()).isGreaterThan(100);
      assertThat(watcher.wentBack.get())
          .as("reads of the shadow store showing a heartbeat older than one it showed before")
          .isZero();
      assertThat(scan.hasDrift()).as(scan.toText()).isFalse();
      load.assertHeldBy(h.legacyView, "legacy");
      load.assertHeldBy(h.newView, "new");
    }
  }

  /**
   * Reads each machine's cpu from the shadow store over and over and counts reads of one that went
   * down.
   */
  private static final class Watcher {
    final AtomicLong reads = new AtomicLong();
    final AtomicLong wentBack = new AtomicLong();
    private final RepairHarness h;
    private final Mode.Backend shadow;
    private final List<String> machines;
    private final Map<String, Double> highest = new ConcurrentHashMap<>();

    Watcher(RepairHarness h, Mode.Backend shadow, List<String> machines) {
      this.h = h;
      this.shadow = shadow;
      this.machines = machines;
    }

    void run(AtomicBoolean running) {
      while (running.get()) {
        Map<String, Double> now;
        try {
          now = shadow == Mode.Backend.NEW ? fromPostgres() : fromRedis();
        } catch (RuntimeException | SQLException e) {
          continue;
        }
        reads.incrementAndGet();
        now.forEach(
            (m, v) -> {
              Double before = highest.merge(m, v, Math::max);
              if (v < before) {
                wentBack.incrementAndGet();
              }
            });
      }
    }

    private Map<String, Double> fromPostgres() throws SQLException {
      Map<String, Double> out = new HashMap<>();
      try (Connection c = h.stores.postgres().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT machine_id, cpu_percent FROM machines")) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getDouble(2));
        }
      }
      return out;
    }

    private Map<String, Double> fromRedis() {
      Map<String, Double> out = new HashMap<>();
      try (var j = h.stores.redis().getResource()) {
        var p = j.pipelined();
        Map<String, redis.clients.jedis.Response<String>> replies = new HashMap<>();
        for (String m : machines) {
          replies.put(m, p.hget("machine:" + m, "cpuPercent"));
        }
        p.sync();
        replies.forEach(
            (m, r) -> {
              if (r.get() != null) {
                out.put(m, Double.parseDouble(r.get()));
              }
            });
      }
      return out;
    }
  }
}
