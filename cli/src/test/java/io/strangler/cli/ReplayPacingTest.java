package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.CreateReplRequest;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replay keeps the pace it is asked for: {@code --rate 50/s} sends 50 calls a second, {@code
 * --speed 2x} replays a 20 s log in 10 s. Each run lasts about 10 s; the figures checked are the
 * replayer's own send times (first to last call), within 10% of the asked figure.
 */
@ExtendWith(RealServers.class)
class ReplayPacingTest {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayPacingTest.class);
  private static final Topology TOPOLOGY = new Topology(Map.of("us", List.of("us-1", "us-2")));

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  ReplayPacingTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  /** {@code n} cheap reads, {@code gapMillis} apart in the log. */
  private Path log(int n, long gapMillis) throws Exception {
    Instant t = Instant.parse("2026-11-21T08:00:00Z");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String op = i % 2 == 0 ? "GetRepl" : "ResolveCluster";
      lines.add(
          "{\"time\":\""
              + t.plusMillis(gapMillis * i)
              + "\",\"operation\":\""
              + op
              + "\",\"requestId\":\"p-"
              + i
              + "\",\"mode\":\"SHADOW\",\"request\":{\"replId\":\"r-"
              + (i % 20)
              + "\"}}");
    }
    Path file = dir.resolve("paced.jsonl");
    Files.write(file, lines);
    return file;
  }

  @Test
  void rate_throughAProxy_sendsTheAskedCallsPerSecond() throws Exception {
    try (TestStrangler strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, TOPOLOGY)) {
      for (int i = 0; i < 20; i++) {
        CreateReplRequest r = new CreateReplRequest("r-" + i, "o", "app-" + i, "us");
        CallContext ctx = new CallContext("c-" + i, Instant.now());
        strangler.legacyView.createRepl(r, ctx);
        strangler.newView.createRepl(r, ctx);
      }
      Path log = log(500, 1);
      Path report = dir.resolve("rate.json");

      int exit =
          Main.run(
              "replay",
              "--log",
              log.toString(),
              "--target",
              "http://127.0.0.1:" + strangler.server.port(),
              "--rate",
              "50/s",
              "--concurrency",
              "4",
              "--json",
              "--report",
              report.toString());

      assertThat(exit).isZero();
      JsonNode s = Scratch.readJson(report).get("schedule");
      LOG.info("--rate 50/s: {}", s);
      assertThat(s.get("sent").asLong()).isEqualTo(500);
      assertThat(s.get("askedRate").asDouble()).isEqualTo(50.0);
      assertThat(s.get("achievedRate").asDouble()).isBetween(45.0, 55.0);
      assertThat(Scratch.readJson(report).at("/overall/calls").asLong()).isEqualTo(500);
    }
  }

  @Test
  void speed_inProcess_replaysTheLogsTimingScaled() throws Exception {
    Scratch.freshStores(redis, pg, TOPOLOGY);
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane newer = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      for (int i = 0; i < 20; i++) {
        CreateReplRequest r = new CreateReplRequest("r-" + i, "o", "app-" + i, "us");
        CallContext ctx = new CallContext("c-" + i, Instant.now());
        legacy.createRepl(r, ctx);
        newer.createRepl(r, ctx);
      }
    }
    // 250 calls over 19.92 s of log: 9.96 s at 2x.
    Path log = log(250, 80);
    Path report = dir.resolve("speed.json");

    int exit =
        Main.run(
            "replay",
            "--log",
            log.toString(),
            "--inprocess",
            "--redis",
            redis.uri(),
            "--postgres",
            Scratch.postgresUrl(pg),
            "--speed",
            "2x",
            "--concurrency",
            "2",
            "--json",
            "--report",
            report.toString());

    assertThat(exit).isZero();
    JsonNode r = Scratch.readJson(report);
    JsonNode s = r.get("schedule");
    LOG.info("--speed 2x: {}", s);
    assertThat(s.get("sent").asLong()).isEqualTo(250);
    assertThat(s.get("askedSpeed").asDouble()).isEqualTo(2.0);
    assertThat(s.get("achievedSpeed").asDouble()).isBetween(1.8, 2.2);
    assertThat(s.get("spanSeconds").asDouble()).isBetween(9.96 / 1.1, 9.96 / 0.9);
    assertThat(r.at("/overall/consistencyPercent").asDouble()).isEqualTo(100.0);
  }
}
