package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.flags.Mode;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay --fail-under}: a clean pair of stores passes, a corrupted one fails the gate, both
 * ways.
 */
@ExtendWith(RealServers.class)
class ReplayGateTest {
  private static final Topology TOPOLOGY = new Topology(Map.of("us", List.of("us-1", "us-2")));
  private static final int REPLS = 10;

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  ReplayGateTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  /** A log of reads of every seeded entity, 10 ms apart. */
  private Path readsLog() throws Exception {
    List<String> lines = new ArrayList<>();
    Instant t = Instant.parse("2026-11-21T08:00:00Z");
    List<String[]> calls = new ArrayList<>();
    for (int i = 0; i < REPLS; i++) {
      calls.add(new String[] {"GetRepl", "{\"replId\":\"r-" + i + "\"}"});
      calls.add(new String[] {"ResolveCluster", "{\"replId\":\"r-" + i + "\"}"});
      calls.add(new String[] {"GetHostingMetadata", "{\"slug\":\"app-" + i + "\"}"});
      calls.add(new String[] {"ListContainers", "{\"replId\":\"r-" + i + "\"}"});
    }
    calls.add(new String[] {"ListMachines", "{\"cluster\":\"us-1\"}"});
    calls.add(new String[] {"ListMachines", "{\"cluster\":\"us-2\"}"});
    for (int i = 0; i < calls.size(); i++) {
      lines.add(
          "{\"time\":\""
              + t.plusMillis(10L * i)
              + "\",\"operation\":\""
              + calls.get(i)[0]
              + "\",\"requestId\":\"read-"
              + i
              + "\",\"mode\":\"SHADOW\",\"request\":"
              + calls.get(i)[1]
              + "}");
    }
    Path log = dir.resolve("reads.jsonl");
    Files.write(log, lines);
    return log;
  }

  private void corruptLegacy(ControlPlane legacy) {
    Scratch.moveReplInRedis(redis, legacy, "r-0");
  }

  private int replay(Path report, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "replay",
                "--log",
                dir.resolve("reads.jsonl").toString(),
                "--json",
                "--report",
                report.toString()));
    args.addAll(List.of(extra));
    return Main.run(args.toArray(String[]::new));
  }

  @Test
  void inProcess_cleanStoresPass_aCorruptedStoreFailsTheGate_andNamesTheField() throws Exception {
    Scratch.freshStores(redis, pg, TOPOLOGY);
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane newer = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      Scratch.seedSmallWorld(REPLS, legacy, newer);
      readsLog();
      String[] stores = {
        "--inprocess",
        "--redis",
        redis.uri(),
        "--postgres",
        Scratch.postgresUrl(pg),
        "--fail-under",
        "99.9"
      };

      Path clean = dir.resolve("clean.json");
      assertThat(replay(clean, stores))
          .as("clean: %s", Scratch.readJson(dir.resolve("clean.json")))
          .isZero();
      JsonNode r = Scratch.readJson(clean);
      assertThat(r.at("/overall/compared").asLong()).isEqualTo(4L * REPLS + 2);
      assertThat(r.at("/overall/consistencyPercent").asDouble()).isEqualTo(100.0);
      assertThat(r.at("/gate/passed").asBoolean()).isTrue();

      corruptLegacy(legacy);
      Path corrupted = dir.resolve("corrupted.json");
      assertThat(replay(corrupted, stores)).isEqualTo(3);
      JsonNode c = Scratch.readJson(corrupted);
      assertThat(c.at("/overall/consistencyPercent").asDouble()).isLessThan(99.9);
      assertThat(c.at("/gate/passed").asBoolean()).isFalse();
      assertThat(Scratch.api(c, "GetRepl").at("/verdicts/mismatch").asLong()).isEqualTo(1);
      assertThat(c.get("topDifferingFields"))
          .anySatisfy(
              f -> {
                assertThat(f.get("api").asText()).isEqualTo("GetRepl");
                assertThat(f.get("path").asText()).isEqualTo("/cluster");
              });
    }
  }

  @Test
  void throughAProxy_theGateReadsTheProxysComparison() throws Exception {
    try (TestStrangler strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, TOPOLOGY)) {
      Scratch.seedSmallWorld(REPLS, strangler.legacyView, strangler.newView);
      readsLog();
      String[] proxy = {
        "--target",
        "http://127.0.0.1:" + strangler.server.port(),
        "--concurrency",
        "4",
        "--admin",
        strangler.adminUrl(),
        "--admin-token",
        TestStrangler.TOKEN,
        "--fail-under",
        "99.9"
      };

      assertThat(
              Main.run(
                  "replay",
                  "--log",
                  dir.resolve("reads.jsonl").toString(),
                  "--target",
                  "http://127.0.0.1:" + strangler.server.port(),
                  "--fail-under",
                  "99"))
          .as("--fail-under through a proxy needs --admin")
          .isEqualTo(2);

      Path clean = dir.resolve("clean.json");
      assertThat(replay(clean, proxy)).isZero();
      JsonNode r = Scratch.readJson(clean);
      assertThat(r.get("consistencySource").asText()).contains("proxy");
      assertThat(r.at("/overall/compared").asLong()).isEqualTo(4L * REPLS + 2);
      assertThat(Scratch.api(r, "GetRepl").at("/latencyMs/legacy/p50").isNumber()).isTrue();

      corruptLegacy(strangler.legacyView);
      Path corrupted = dir.resolve("corrupted.json");
      assertThat(replay(corrupted, proxy)).isEqualTo(3);
      JsonNode c = Scratch.readJson(corrupted);
      assertThat(Scratch.api(c, "GetRepl").at("/verdicts/mismatch").asLong()).isEqualTo(1);
      assertThat(c.get("topDifferingFields"))
          .anySatisfy(f -> assertThat(f.get("path").asText()).isEqualTo("/cluster"));
    }
  }
}
