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
 * A replay keeps the pace it is asked for: {@code --rate R} sends R calls a second, {@code --speed
 * 2x} replays a log in half its span. The figures checked are the replayer's own send times (first
 * to last call), within 10% of the asked figure.
 *
 * <p>A replayer cannot send faster than its target answers: on a loaded machine a proxy answering
 * in 150 ms caps four workers at about 27 calls/s, whatever the pacing. So each test first measures
 * what the target takes unpaced, with the same calls and workers, and asks for a quarter of that
 * (at most the usual figure): the pace is then the replayer's doing, and a pacing that sends too
 * fast or falls behind still fails.
 */
@ExtendWith(RealServers.class)
class ReplayPacingTest {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayPacingTest.class);
  private static final Topology TOPOLOGY = new Topology(Map.of("us", List.of("us-1", "us-2")));

  /** How long each paced run lasts, about. */
  private static final double PACED_SECONDS = 8;

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  ReplayPacingTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  /** {@code n} cheap reads, {@code gapMillis} apart in the log. */
  private Path log(String name, int n, long gapMillis) throws Exception {
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
    Path file = dir.resolve(name + ".jsonl");
    Files.write(file, lines);
    return file;
  }

  /** Runs {@code strangler replay} with {@code args} and returns its JSON report. */
  private JsonNode replay(String name, String... args) {
    Path report = dir.resolve(name + ".json");
    List<String> all = new ArrayList<>(List.of("replay"));
    all.addAll(List.of(args));
    all.addAll(List.of("--json", "--report", report.toString()));
    assertThat(Main.run(all.toArray(String[]::new))).as(name).isZero();
    return Scratch.readJson(report);
  }

  /** Calls per second the target takes unpaced: the replayer's send rate with every worker busy. */
  private double unpacedRate(String... targetArgs) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("--log", log("unpaced", 200, 1).toString(), "--speed", "max"));
    args.addAll(List.of(targetArgs));
    JsonNode s = replay("unpaced", args.toArray(String[]::new)).get("schedule");
    LOG.info("unpaced: {}", s);
    assertThat(s.get("sent").asLong()).isEqualTo(200);
    return s.get("achievedRate").asDouble();
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
      String[] target = {
        "--target", "http://127.0.0.1:" + strangler.server.port(), "--concurrency", "4"
      };
      double unpaced = unpacedRate(target);
      int rate = (int) Math.max(5, Math.min(50, Math.floor(unpaced / 4)));
      int calls = (int) (rate * PACED_SECONDS) + 1;
      List<String> args =
          new ArrayList<>(
              List.of("--log", log("paced", calls, 1).toString(), "--rate", rate + "/s"));
      args.addAll(List.of(target));

      JsonNode report = replay("rate", args.toArray(String[]::new));

      JsonNode s = report.get("schedule");
      LOG.info("--rate {}/s (unpaced {} calls/s): {}", rate, unpaced, s);
      assertThat(s.get("sent").asLong()).isEqualTo(calls);
      assertThat(s.get("askedRate").asDouble()).isEqualTo((double) rate);
      assertThat(s.get("achievedRate").asDouble()).isBetween(rate * 0.9, rate * 1.1);
      assertThat(report.at("/overall/calls").asLong()).isEqualTo(calls);
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
    String[] target = {
      "--inprocess",
      "--redis",
      redis.uri(),
      "--postgres",
      Scratch.postgresUrl(pg),
      "--concurrency",
      "2"
    };
    double unpaced = unpacedRate(target);
    // At 2x, calls gapMillis apart in the log are sent gapMillis / 2 apart: a quarter of what the
    // target takes unpaced, at most 25 calls/s (80 ms apart in the log).
    long gapMillis = (long) Math.ceil(Math.max(80, 2 * 4 * 1000 / unpaced));
    int calls = (int) (PACED_SECONDS * 2 * 1000 / gapMillis) + 1;
    double logSeconds = (calls - 1) * gapMillis / 1000.0;
    List<String> args =
        new ArrayList<>(
            List.of("--log", log("timed", calls, gapMillis).toString(), "--speed", "2x"));
    args.addAll(List.of(target));

    JsonNode r = replay("speed", args.toArray(String[]::new));

    JsonNode s = r.get("schedule");
    LOG.info("--speed 2x, {} ms apart in the log (unpaced {} calls/s): {}", gapMillis, unpaced, s);
    assertThat(s.get("sent").asLong()).isEqualTo(calls);
    assertThat(s.get("askedSpeed").asDouble()).isEqualTo(2.0);
    assertThat(s.get("achievedSpeed").asDouble()).isBetween(1.8, 2.2);
    assertThat(s.get("spanSeconds").asDouble())
        .isBetween(logSeconds / 2 / 1.1, logSeconds / 2 / 0.9);
    assertThat(r.at("/overall/consistencyPercent").asDouble()).isEqualTo(100.0);
  }
}
