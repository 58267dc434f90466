package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.convergence.EntityRef;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repair of failed shadow writes in the assembled proxy, over the real stores: a shadow write
 * the shadow store refuses (it already holds a different repl of that id) is journaled with the
 * entities it touched and repaired from the authoritative store, in each direction, and the proxy
 * shows it on its admin routes, metrics, readiness and cut-over gates.
 */
@ExtendWith(RealServers.class)
class RepairWiringTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Repairer.Config FAST =
      new Repairer.Config(
          64, 1_000, Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 2);
  private static final CallContext CTX = CallContext.of("test", Instant.now());

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  RepairWiringTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void orderingKeys_nameTheEntitiesTheSyncCopies_andClustersNone() {
    assertThat(RepairWiring.entity("repl:r-1")).contains(EntityRef.repl("r-1"));
    assertThat(RepairWiring.entity("machine:m:1")).contains(EntityRef.machine("m:1"));
    assertThat(RepairWiring.entity("container:c-1")).contains(EntityRef.container("c-1"));
    assertThat(RepairWiring.entity("slug:my-app")).contains(EntityRef.slug("my-app"));
    assertThat(RepairWiring.entity("cluster:us-1")).isEqualTo(Optional.empty());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RepairWiring.entity("tenant:x"))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RepairWiring.entity("repl:"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theJournalNamesTheReplAWriteTouched_elseItsOtherEntities_neverClusters() {
    io.strangler.dispatch.repair.TouchedEntities touched =
        RepairWiring.touched(
            io.strangler.dispatch.repair.TouchedEntities.orderingKeys(
                ControlApiBinding.registry()));
    JsonNode container =
        TestStrangler.json(
            "{\"container\": {\"containerId\": \"c-1\", \"replId\": \"r-1\", \"machineId\": \"m-1\", \"cluster\": \"k-1\"}}");

    assertThat(touched.of("ConnectRepl", TestStrangler.json("{\"replId\": \"r-1\"}"), container))
        .containsExactly("repl:r-1");
    assertThat(touched.of("ConnectRepl", TestStrangler.json("{\"replId\": \"r-1\"}"), null))
        .as("no answer")
        .containsExactly("repl:r-1");
    assertThat(
            touched.of(
                "StopContainer",
                TestStrangler.json("{\"containerId\": \"c-1\"}"),
                container.get("container")))
        .containsExactly("repl:r-1");
    assertThat(touched.of("StopContainer", TestStrangler.json("{\"containerId\": \"c-1\"}"), null))
        .containsExactly("container:c-1");
    assertThat(
            touched.of(
                "Heartbeat",
                TestStrangler.json("{\"machineId\": \"m-1\", \"cpuPercent\": 1.5}"),
                TestStrangler.json("{\"machineId\": \"m-1\", \"cluster\": \"k-1\"}")))
        .containsExactly("machine:m-1");
    assertThat(
            touched.of(
                "CreateRepl",
                TestStrangler.json(
                    "{\"replId\": \"r-2\", \"ownerId\": \"o\", \"slug\": \"s-2\", \"region\": \"x\"}"),
                null))
        .containsExactly("repl:r-2");
  }

  @Test
  void inShadow_aRefusedShadowWrite_isRepairedFromLegacy_andShownOnTheAdminRoutes()
      throws Exception {
    try (TestStrangler s =
        TestStrangler.startWithRepairs(redis, pg, dir, Mode.SHADOW, Topology.sample(2, 2), FAST)) {
      // Drift the shadow store: it holds another repl r-1, so the shadow CreateRepl is refused.
      s.newView.createRepl(
          new CreateReplRequest("r-1", "someone-else", "other-app", "region-1"), CTX);

      HttpResponse<String> created =
          s.post(
              "CreateRepl",
              "{\"replId\":\"r-1\",\"ownerId\":\"owner-1\",\"slug\":\"app-1\",\"region\":\"region-1\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);

      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(owner(s.newView, "r-1")).isEqualTo("owner-1"));
      Repl repaired = s.newView.getRepl(new GetReplRequest("r-1"), CTX);
      assertThat(repaired.slug()).isEqualTo("app-1");
      await().atMost(WAIT).until(() -> s.adminJson("/admin/repairs").path("pending").asLong() == 0);

      JsonNode repairs = s.adminJson("/admin/repairs");
      assertThat(repairs.path("recorded").asLong()).isEqualTo(1);
      assertThat(repairs.path("repaired").asLong()).as(repairs.toString()).isPositive();
      assertThat(repairs.path("failed").asLong()).isZero();
      assertThat(repairs.path("needsDriftScan")).isEmpty();
      assertThat(Files.readString(dir.resolve("repairs").resolve("repairs.jsonl")))
          .as("the journal line names the repl (whose sync covers its slug)")
          .contains(
              "\"op\":\"CreateRepl\"",
              "\"from\":\"LEGACY\"",
              "\"reason\":\"shadow_failed\"",
              "\"keys\":[\"repl:r-1\"]");

      String metrics = s.admin("GET", "/metrics", null, TestStrangler.TOKEN).body();
      assertThat(metrics)
          .contains("strangler_repairs_pending{api=\"CreateRepl\"} 0")
          .contains("strangler_repairs_recorded_total 1")
          .containsPattern("strangler_repairs_total\\{result=\"repaired\"} [1-9]")
          .contains("strangler_repairs_total{result=\"failed\"} 0")
          .contains("strangler_repairs_needs_scan{api=\"CreateRepl\"} 0");

      JsonNode readiness = s.adminJson("/admin/readiness");
      assertThat(readiness.path("repairs").path("pending").asLong()).isZero();
      assertThat(readiness.path("apis"))
          .isNotEmpty()
          .allSatisfy(a -> assertThat(a.has("pendingRepairs")).isTrue());

      JsonNode cutover = s.adminJson("/admin/cutover");
      JsonNode createRepl = null;
      for (JsonNode a : cutover.path("apis")) {
        if (a.path("api").asText().equals("CreateRepl")) {
          createRepl = a;
        }
      }
      assertThat(createRepl).isNotNull();
      assertThat(createRepl.path("health").path("pendingRepairs").asLong(-1))
          .as("the gate's input is known")
          .isZero();
    }
  }

  @Test
  void inNewPrimary_aRefusedShadowWrite_isRepairedFromPostgres() throws Exception {
    try (TestStrangler s =
        TestStrangler.startWithRepairs(
            redis, pg, dir, Mode.NEW_PRIMARY, Topology.sample(2, 2), FAST)) {
      s.legacyView.createRepl(
          new CreateReplRequest("r-2", "someone-else", "other-app-2", "region-1"), CTX);

      HttpResponse<String> created =
          s.post(
              "CreateRepl",
              "{\"replId\":\"r-2\",\"ownerId\":\"owner-2\",\"slug\":\"app-2\",\"region\":\"region-1\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);

      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(owner(s.legacyView, "r-2")).isEqualTo("owner-2"));
      assertThat(s.legacyView.getRepl(new GetReplRequest("r-2"), CTX).slug()).isEqualTo("app-2");
      assertThat(owner(s.newView, "r-2"))
          .as("the authoritative store is left as it was")
          .isEqualTo("owner-2");
    }
  }

  @Test
  void restartAfterAKill_scansForTheShadowWritesTheKilledRunHeld() throws Exception {
    // A clean stop leaves no sign: the next start needs no scan.
    try (TestStrangler s =
        TestStrangler.startWithRepairs(redis, pg, dir, Mode.SHADOW, Topology.sample(2, 2), FAST)) {
      assertThat(s.adminJson("/admin/repairs").path("previousRunEndedUncleanly").asBoolean())
          .isFalse();
    }
    Path marker = RepairWiring.journalDir(dir).resolve("repairs.open");
    assertThat(marker).doesNotExist();
    // What a killed proxy leaves: its journal's "open" marker, and a write that reached the
    // authoritative store while its shadow write was still queued in memory (never journaled).
    Files.writeString(marker, "opened by a process that was then killed\n");

    try (TestStrangler s =
        TestStrangler.startWithRepairs(
            redis,
            pg,
            dir,
            Mode.SHADOW,
            Topology.sample(2, 2),
            FAST,
            RepairWiringTest::writeWhoseShadowWasLost)) {
      assertThat(s.adminJson("/admin/repairs").path("previousRunEndedUncleanly").asBoolean())
          .isTrue();
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(owner(s.newView, "r-9")).isEqualTo("owner-9"));
      await()
          .atMost(WAIT)
          .until(() -> s.adminJson("/admin/repairs").path("needsDriftScan").isEmpty());
      assertThat(s.admin("GET", "/metrics", null, TestStrangler.TOKEN).body())
          .containsPattern(
              "strangler_repairs_scans_total\\{result=\"clean\",trigger=\"automatic\"} [1-9]");
    }
    assertThat(marker).as("closed cleanly this time").doesNotExist();
  }

  @Test
  void restartAfterAKill_inASingleBackendMode_scansNothing() throws Exception {
    Path journal = RepairWiring.journalDir(dir);
    Files.createDirectories(journal);
    Files.writeString(journal.resolve("repairs.open"), "opened by a process that was killed\n");

    try (TestStrangler s =
        TestStrangler.startWithRepairs(
            redis,
            pg,
            dir,
            Mode.LEGACY_ONLY,
            Topology.sample(2, 2),
            FAST,
            RepairWiringTest::writeWhoseShadowWasLost)) {
      JsonNode repairs = s.adminJson("/admin/repairs");
      assertThat(repairs.path("previousRunEndedUncleanly").asBoolean()).isTrue();
      // No shadow write was sent in LEGACY_ONLY, so none was lost: nothing to scan, and the
      // store that is not kept in step is not copied into.
      assertThat(repairs.path("needsDriftScan")).isEmpty();
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .until(() -> s.adminJson("/admin/repairs").path("driftScan").path("last").isNull());
      assertThat(owner(s.newView, "r-9")).isNull();
    }
  }

  /** A repl in legacy only, as a write whose shadow never left a killed proxy leaves it. */
  private static void writeWhoseShadowWasLost(io.strangler.api.ControlPlane legacy) {
    legacy.createRepl(new CreateReplRequest("r-9", "owner-9", "app-9", "region-1"), CTX);
  }

  @Test
  void postScan_runsADriftScanAndRepairFromTheAuthoritativeSide() throws Exception {
    try (TestStrangler s =
        TestStrangler.startWithRepairs(redis, pg, dir, Mode.SHADOW, Topology.sample(2, 2), FAST)) {
      // Drift no write touches: only a full scan finds it.
      s.legacyView.createRepl(new CreateReplRequest("r-3", "owner-3", "app-3", "region-1"), CTX);

      HttpResponse<String> started =
          s.admin("POST", "/admin/repairs/scan", "{}", TestStrangler.TOKEN);
      assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
      assertThat(TestStrangler.json(started.body()).path("from").asText()).isEqualTo("legacy");

      await()
          .atMost(WAIT)
          .until(() -> !s.adminJson("/admin/repairs").path("driftScan").path("last").isNull());
      JsonNode last = s.adminJson("/admin/repairs").path("driftScan").path("last");
      assertThat(last.path("error").isNull()).as(last.toString()).isTrue();
      assertThat(last.path("found").asLong()).as(last.toString()).isPositive();
      assertThat(last.path("synced").asLong()).as(last.toString()).isPositive();
      assertThat(last.path("remaining").asLong()).as(last.toString()).isZero();
      assertThat(owner(s.newView, "r-3")).isEqualTo("owner-3");
      assertThat(s.admin("GET", "/metrics", null, TestStrangler.TOKEN).body())
          .contains("strangler_repairs_scans_total{result=\"clean\",trigger=\"admin\"} 1")
          .contains("strangler_repairs_scans_total{result=\"failed\",trigger=\"admin\"} 0")
          .contains("strangler_repairs_scans_total{result=\"clean\",trigger=\"automatic\"} 0");

      assertThat(
              s.admin(
                      "POST",
                      "/admin/repairs/scan",
                      "{\"from\": \"sideways\"}",
                      TestStrangler.TOKEN)
                  .statusCode())
          .isEqualTo(400);
    }
  }

  private static String owner(io.strangler.api.ControlPlane plane, String replId) {
    try {
      return plane.getRepl(new GetReplRequest(replId), CTX).ownerId();
    } catch (io.strangler.api.ControlPlaneException e) {
      return null;
    }
  }
}
