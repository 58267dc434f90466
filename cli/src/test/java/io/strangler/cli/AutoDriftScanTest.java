package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.model.Topology;
import io.strangler.convergence.DriftReport;
import io.strangler.dispatch.repair.RepairJournal;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repair journal overflows under load (a journal of 2 KiB, heartbeats whose shadow is reported
 * timed out after 1 ms, so nearly every one is journaled), so Heartbeat is marked "needs a drift
 * scan": the readiness and the cut-over's pending-repairs gate are unknown. With no manual step the
 * proxy scans and repairs from the authoritative side, and clears the mark once a scan leaves no
 * difference; then a drift scan finds none, including a difference no write touched (seeded in the
 * shadow store before the load), which only a drift scan repairs.
 */
@ExtendWith(RealServers.class)
class AutoDriftScanTest {
  private static final Topology TOPOLOGY = Topology.sample(2, 2);
  private static final Duration LOAD = Duration.ofSeconds(8);

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  AutoDriftScanTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void journalOverflowsUnderLoad_theProxyScansByItself_andClearsTheMarkOnceTheStoresAreEqual()
      throws Exception {
    try (RepairHarness h =
        RepairHarness.start(
            redis.uri(),
            pg.database(),
            pg.database(),
            dir,
            Mode.SHADOW,
            TOPOLOGY,
            b -> b.shadowTimeout("Heartbeat", Duration.ofMillis(1)),
            Repairer.Config.defaults(),
            j -> new RepairJournal.Config(j.dir(), 4, 2048, 0))) {
      WriteLoad load = new WriteLoad(h, TOPOLOGY, 8, 300);
      load.prepare();
      String quiet = "m-no-traffic";
      assertThat(
              h.post(
                      "RegisterMachine",
                      "{\"machineId\":\""
                          + quiet
                          + "\",\"cluster\":\""
                          + TOPOLOGY.regions().values().iterator().next().getFirst()
                          + "\",\"address\":\"10.9.9.9\",\"capacity\":10}")
                  .status())
          .isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> h.adminJson("/admin/repairs").path("pending").asLong() == 0);
      try (Connection c = pg.database().connect();
          Statement s = c.createStatement()) {
        assertThat(
                s.executeUpdate(
                    "UPDATE machines SET cpu_percent = 77 WHERE machine_id = '" + quiet + "'"))
            .isEqualTo(1);
      }
      assertThat(h.scan().drifted()).as("the seeded difference").isEqualTo(1);

      AtomicBoolean sawUnknownGate = new AtomicBoolean();
      load.start();
      long started = System.nanoTime();
      await()
          .atMost(LOAD.plusSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                JsonNode readiness = h.adminJson("/admin/readiness");
                if (readiness
                        .path("repairs")
                        .path("needsDriftScan")
                        .toString()
                        .contains("Heartbeat")
                    && gatePendingRepairsUnknown(h)) {
                  sawUnknownGate.set(true);
                }
                return System.nanoTime() - started >= LOAD.toNanos();
              });
      load.stop();
      JsonNode during = h.adminJson("/admin/repairs");
      assertThat(
              during.path("lost").path("fileFull").asLong()
                  + during.path("lost").path("queueFull").asLong())
          .as("entries the journal could not hold: %s", during)
          .isPositive();
      assertThat(sawUnknownGate.get())
          .as("the pending-repairs gate was unknown while Heartbeat needed a drift scan")
          .isTrue();

      long stopped = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                JsonNode r = h.adminJson("/admin/repairs");
                return r.path("needsDriftScan").isEmpty() && r.path("pending").asLong() == 0;
              });
      double clearedAfter = (System.nanoTime() - stopped) / 1e9;
      JsonNode repairs = h.adminJson("/admin/repairs");
      JsonNode last = repairs.path("driftScan").path("last");
      DriftReport scan = h.scan();
      JsonNode readiness = h.adminJson("/admin/readiness");
      System.out.printf(
          "%s; lost %s; automatic scans %d; mark cleared %.1f s after the load stopped; last scan %s%n",
          load.summary(),
          repairs.path("lost"),
          repairs.path("driftScan").path("automaticStarted").asLong(),
          clearedAfter,
          last);

      assertThat(load.internal).isEmpty();
      assertThat(repairs.path("driftScan").path("automaticStarted").asLong()).isPositive();
      assertThat(last.path("automatic").asBoolean()).as(last.toString()).isTrue();
      assertThat(last.path("remaining").asLong()).as(last.toString()).isZero();
      assertThat(last.path("error").isNull()).as(last.toString()).isTrue();
      assertThat(last.path("types").path("machines").path("scanned").asLong())
          .as(last.toString())
          .isPositive();
      assertThat(readiness.path("repairs").path("needsDriftScan").isEmpty()).isTrue();
      assertThat(gatePendingRepairsUnknown(h)).isFalse();
      assertThat(h.admin("GET", "/metrics", null).body())
          .containsPattern(
              "strangler_repairs_scans_total\\{result=\"clean\",trigger=\"automatic\"} [1-9]")
          .contains("strangler_repairs_scans_total{result=\"clean\",trigger=\"admin\"} 0");
      assertThat(scan.hasDrift()).as(scan.toText()).isFalse();
      load.assertHeldBy(h.legacyView, "legacy");
      load.assertHeldBy(h.newView, "new");
    }
  }

  /** Whether the cut-over's pending-repairs input is unknown (the API lost journal entries). */
  private static boolean gatePendingRepairsUnknown(RepairHarness h) {
    return h.server.repairs().orElseThrow().pendingRepairs("Heartbeat").isEmpty();
  }
}
