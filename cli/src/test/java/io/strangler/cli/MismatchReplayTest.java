package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.flags.Mode;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay --mismatch ID}: a stored mismatch replayed says whether it still differs, and how.
 */
@ExtendWith(RealServers.class)
class MismatchReplayTest {
  private static final Topology TOPOLOGY = new Topology(Map.of("us", List.of("us-1", "us-2")));

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  MismatchReplayTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void aStoredMismatch_stillDiffersWhileTheCorruptionLasts_andNoLongerOnceRepaired()
      throws Exception {
    try (TestStrangler strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, TOPOLOGY)) {
      Scratch.seedSmallWorld(4, strangler.legacyView, strangler.newView);
      String rightCluster =
          strangler
              .newView
              .getRepl(new GetReplRequest("r-0"), new CallContext("look", Instant.now()))
              .cluster();
      Scratch.moveReplInRedis(redis, strangler.legacyView, "r-0");
      assertThat(strangler.post("GetRepl", "{\"replId\":\"r-0\"}").statusCode()).isEqualTo(200);
      long id =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      strangler
                          .adminJson("/admin/mismatches?api=GetRepl&limit=5")
                          .get("mismatches"),
                  m -> !m.isEmpty())
              .get(0)
              .get("id")
              .asLong();
      String[] admin = {"--admin", strangler.adminUrl(), "--admin-token", TestStrangler.TOKEN};
      String[] inProcess = {
        "--inprocess", "--redis", redis.uri(), "--postgres", Scratch.postgresUrl(pg)
      };
      String[] proxy = {"--target", "http://127.0.0.1:" + strangler.server.port()};

      JsonNode local = replay(id, "local.json", admin, inProcess);
      assertThat(local.get("exit").asInt()).isEqualTo(3);
      assertThat(local.get("stillDiffers").asBoolean()).isTrue();
      assertThat(local.at("/replayed/verdict").asText()).isEqualTo("MISMATCH");
      assertThat(local.at("/replayed/diffs/0/path").asText()).isEqualTo("/cluster");
      assertThat(local.at("/replayed/unifiedDiff").asText()).contains("cluster");
      assertThat(local.at("/stored/verdict").asText()).isEqualTo("MISMATCH");

      JsonNode viaProxy = replay(id, "proxy.json", admin, proxy);
      assertThat(viaProxy.get("exit").asInt()).isEqualTo(3);
      assertThat(viaProxy.get("stillDiffers").asBoolean()).isTrue();
      assertThat(viaProxy.at("/replayed/verdict").asText()).isEqualTo("MISMATCH");
      assertThat(viaProxy.at("/replayed/diffs/0/path").asText()).isEqualTo("/cluster");

      Scratch.setClusterInRedis(redis, "r-0", rightCluster);
      JsonNode repaired = replay(id, "repaired.json", admin, inProcess);
      assertThat(repaired.get("exit").asInt()).isZero();
      assertThat(repaired.get("status").asText()).isEqualTo("RESOLVED");
      assertThat(repaired.at("/replayed/verdict").asText()).isEqualTo("MATCH");
      JsonNode repairedViaProxy = replay(id, "repaired-proxy.json", admin, proxy);
      assertThat(repairedViaProxy.get("exit").asInt()).isZero();
      assertThat(repairedViaProxy.at("/replayed/verdict").asText()).isEqualTo("MATCH");

      assertThat(
              Main.run(
                  "replay",
                  "--mismatch",
                  "999999",
                  admin[0],
                  admin[1],
                  admin[2],
                  admin[3],
                  proxy[0],
                  proxy[1]))
          .isEqualTo(1);
    }
  }

  private JsonNode replay(long id, String reportName, String[] admin, String[] where) {
    Path report = dir.resolve(reportName);
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "replay",
                "--mismatch",
                Long.toString(id),
                "--json",
                "--report",
                report.toString()));
    args.addAll(List.of(admin));
    args.addAll(List.of(where));
    int exit = Main.run(args.toArray(String[]::new));
    com.fasterxml.jackson.databind.node.ObjectNode r =
        (com.fasterxml.jackson.databind.node.ObjectNode) Scratch.readJson(report);
    r.put("exit", exit);
    return r;
  }
}
