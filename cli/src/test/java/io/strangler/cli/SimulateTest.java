package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.ResolveClusterResponse;
import io.strangler.flags.Mode;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code strangler simulate}: the platform-shaped workload, its lazy transfers and its traffic log.
 */
@ExtendWith(RealServers.class)
class SimulateTest {
  private static final Logger LOG = LoggerFactory.getLogger(SimulateTest.class);

  /** The topology the simulator documents (--print-topology). */
  static final Topology TOPOLOGY =
      new Topology(
          Map.of(
              "us",
              List.of("us-1", "us-2"),
              "eu",
              List.of("eu-1", "eu-2"),
              "asia",
              List.of("asia-1", "asia-2")));

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  SimulateTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  private static final String[] WORKLOAD = {
    "--users", "60", "--repls-per-user", "2", "--machines-per-cluster", "3", "--capacity", "20",
    "--mean-lifetime", "1s", "--heartbeat-every", "2s", "--transfer-at", "0.3", "--drain-at", "0.7"
  };

  private int simulate(Path report, String... args) {
    List<String> all =
        new java.util.ArrayList<>(List.of("simulate", "--json", "--report", report.toString()));
    all.addAll(List.of(WORKLOAD));
    all.addAll(List.of(args));
    return Main.run(all.toArray(String[]::new));
  }

  @Test
  void aLazyTransferThroughTheProxy_leavesEveryMovedReplInItsNewClusterWithATombstoneInTheOldOne()
      throws Exception {
    try (TestStrangler strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, TOPOLOGY)) {
      Path report = dir.resolve("sim.json");
      Path log = dir.resolve("sim.jsonl");

      int exit =
          simulate(
              report,
              "--target",
              "http://127.0.0.1:" + strangler.server.port(),
              "--rate",
              "150/s",
              "--duration",
              "8s",
              "--seed",
              "42",
              "--out",
              log.toString(),
              "--admin",
              strangler.adminUrl(),
              "--admin-token",
              TestStrangler.TOKEN);

      JsonNode r = Scratch.readJson(report);
      LOG.info(
          "placement {}, transfers {}, world {}, schedule {}",
          r.get("placement"),
          r.get("transfers"),
          r.get("world"),
          r.get("schedule"));
      assertThat(exit).isZero();
      JsonNode transfers = r.get("transfers");
      assertThat(transfers.get("marked").asLong()).isPositive();
      assertThat(transfers.get("applied").asLong()).isPositive();
      assertThat(transfers.get("wrong").asLong()).isZero();
      assertThat(transfers.get("verified").asLong()).isEqualTo(transfers.get("applied").asLong());

      // Checked again here, in the stores directly, from the traffic log: every repl a connect
      // moved after its lazy transfer is in its new cluster, with the tombstone of the move. The
      // legacy store answered the client (SHADOW): it must hold every move.
      Moves moves = Moves.from(log);
      assertThat(moves.to).hasSize((int) transfers.get("applied").asLong());
      assertThat(moves.wrongIn(strangler.legacyView)).isEmpty();
      // The new store got the same calls as shadow writes, ordered per entity only: a stop
      // (keyed by container) may reach it after the connect (keyed by repl) that followed it, and
      // then the repl does not move there. Such a divergence must not go unseen: the proxy
      // compared that connect and kept it as a mismatch.
      List<String> diverged = moves.wrongIn(strangler.newView);
      LOG.info(
          "proxy's comparison over the run: {}; moves not applied in the shadow store: {}",
          Scratch.api(r, "ConnectRepl").get("verdicts"),
          diverged);
      if (!diverged.isEmpty()) {
        JsonNode samples =
            strangler.adminJson("/admin/mismatches?api=ConnectRepl&limit=1000").get("mismatches");
        for (String replId : diverged) {
          assertThat(samples)
              .as("a ConnectRepl mismatch of %s", replId)
              .anySatisfy(m -> assertThat(m.at("/request/replId").asText()).isEqualTo(replId));
        }
      }

      JsonNode placement = r.get("placement");
      // 12 machines in us and eu, 4 drained and replaced, 6 in asia.
      assertThat(placement.get("activeMachines").asInt()).isEqualTo(18);
      assertThat(placement.get("drainingMachines").asInt()).isEqualTo(4);
      assertThat(placement.get("max").asInt()).isBetween(placement.get("p99").asInt(), 20);
      assertThat(placement.get("p50").asInt()).isLessThanOrEqualTo(placement.get("p99").asInt());
      assertThat(placement.at("/byRegion/asia/activeMachines").asInt()).isEqualTo(6);
      assertThat(r.at("/schedule/sent").asLong()).isEqualTo(1200);
      assertThat(r.at("/log/dropped").asLong()).isZero();
      assertThat(Scratch.api(r, "ConnectRepl").at("/latencyMs/client/p99").asDouble()).isPositive();
      assertThat(Scratch.api(r, "Heartbeat").get("calls").asLong()).isPositive();
      assertThat(Scratch.api(r, "StopContainer").get("calls").asLong()).isPositive();
      assertThat(Scratch.api(r, "DrainMachine").get("calls").asLong()).isEqualTo(4);
    }
  }

  @Test
  void aSimulationInProcess_writesALogThatReplaysToTheSameAnswers() throws Exception {
    Scratch.freshStores(redis, pg, TOPOLOGY);
    Path log = dir.resolve("sim.jsonl");
    String[] stores = {
      "--inprocess", "--redis", redis.uri(), "--postgres", Scratch.postgresUrl(pg)
    };
    List<String> args =
        new java.util.ArrayList<>(
            List.of("--rate", "100/s", "--duration", "5s", "--seed", "7", "--out", log.toString()));
    args.addAll(List.of(stores));

    int exit = simulate(dir.resolve("sim.json"), args.toArray(String[]::new));

    assertThat(exit).isZero();
    JsonNode sim = Scratch.readJson(dir.resolve("sim.json"));
    assertThat(sim.at("/overall/consistencyPercent").asDouble()).isEqualTo(100.0);
    assertThat(sim.at("/transfers/applied").asLong()).isPositive();

    Scratch.freshStores(redis, pg, TOPOLOGY);
    Path replayed = dir.resolve("replay.json");
    List<String> replay =
        new java.util.ArrayList<>(
            List.of(
                "replay",
                "--log",
                log.toString(),
                "--json",
                "--report",
                replayed.toString(),
                "--fail-under",
                "100"));
    replay.addAll(List.of(stores));
    assertThat(Main.run(replay.toArray(String[]::new))).isZero();
    JsonNode r = Scratch.readJson(replayed);
    assertThat(r.at("/overall/calls").asLong())
        .isEqualTo(sim.at("/log/written").asLong())
        .isEqualTo(500);
    assertThat(r.at("/overall/reproducedPercent").asDouble())
        .as("%s", r.get("unreproducedExamples"))
        .isEqualTo(100.0);
    // Both stores got every call in order: both hold every move.
    Moves moves = Moves.from(log);
    assertThat(moves.to).isNotEmpty();
    try (ControlPlane legacy = io.strangler.legacy.LegacyRedisControlPlane.create(redis.uri());
        ControlPlane newer =
            new io.strangler.controlplane.PostgresControlPlane(
                pg.jdbcUrl(), pg.user(), pg.password())) {
      assertThat(moves.wrongIn(legacy)).isEmpty();
      assertThat(moves.wrongIn(newer)).isEmpty();
    }
  }

  /** The lazy transfers a traffic log shows applied: repl to its cluster before, and after. */
  private record Moves(Map<String, String> from, Map<String, String> to) {
    static Moves from(Path log) throws Exception {
      Map<String, String> from = new HashMap<>();
      Map<String, String> to = new HashMap<>();
      for (String line : Files.readAllLines(log)) {
        JsonNode l = ControlApiJson.mapper().readTree(line);
        JsonNode answer = l.get("answer");
        if (answer == null) {
          continue;
        }
        if (l.get("operation").asText().equals("TransferRepl")) {
          from.put(answer.get("replId").asText(), answer.get("cluster").asText());
        } else if (l.get("operation").asText().equals("ConnectRepl")
            && answer.get("transferred").asBoolean()) {
          to.put(answer.at("/container/replId").asText(), answer.at("/container/cluster").asText());
        }
      }
      return new Moves(from, to);
    }

    /**
     * The moved repls that {@code plane} does not show in their new cluster with the move's
     * tombstone.
     */
    List<String> wrongIn(ControlPlane plane) {
      CallContext now = new CallContext("check", Instant.now());
      List<String> wrong = new java.util.ArrayList<>();
      for (Map.Entry<String, String> moved : to.entrySet()) {
        String replId = moved.getKey();
        Repl repl = plane.getRepl(new GetReplRequest(replId), now);
        ResolveClusterResponse resolved =
            plane.resolveCluster(new ResolveClusterRequest(replId), now);
        boolean right =
            repl.cluster().equals(moved.getValue())
                && moved.getValue().startsWith("asia-")
                && repl.region().equals("asia")
                && repl.pendingTransferTo() == null
                && resolved.tombstone() != null
                && resolved.tombstone().from().equals(from.get(replId))
                && resolved.tombstone().to().equals(moved.getValue());
        if (!right) {
          wrong.add(replId);
        }
      }
      return wrong;
    }
  }
}
