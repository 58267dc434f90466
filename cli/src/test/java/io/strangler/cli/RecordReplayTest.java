package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.model.Topology;
import io.strangler.api.workload.RandomCalls;
import io.strangler.dispatch.RecordingConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.Mode;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic recorded at the proxy and replayed in process on fresh stores seeded the same way gives
 * every call the answer it had: same ids, same times, same errors, and both backends agree.
 */
@ExtendWith(RealServers.class)
class RecordReplayTest {
  private static final int CALLS = 600;

  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  RecordReplayTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void recordedAtTheProxy_replayedInProcessOnFreshStores_reproducesEveryAnswer() throws Exception {
    Topology topology = Topology.sample(2, 2);
    Path log = dir.resolve("traffic.jsonl");
    // Small files, so the replay reads rotated ones too.
    RecordingConfig recording = RecordingConfig.builder(log).maxBytes(32 * 1024).keep(100).build();
    long dispatched = 0;
    try (TestStrangler strangler =
        TestStrangler.start(
            redis, pg, dir, Mode.SHADOW, topology, TrafficRecorder.start(recording))) {
      TrafficRecorder recorder = strangler.server.recorder();
      RandomCalls calls = new RandomCalls(topology, 11L);
      for (int i = 0; i < CALLS; i++) {
        RandomCalls.Call call = calls.next();
        var response =
            strangler.post(
                call.operation().name(),
                ControlApiJson.mapper().writeValueAsString(call.request()));
        if (response.statusCode() == 200) {
          calls.observe(call, ControlApiJson.mapper().readValue(response.body(), answerType(call)));
        }
        if (validates(call)) {
          // One call at a time, each written before the next is sent: the log's order is then the
          // order the stores saw, which a replay must follow.
          long expected = ++dispatched;
          await()
              .atMost(Duration.ofSeconds(10))
              .pollInterval(Duration.ofMillis(1))
              .until(() -> recorder.stats().written() >= expected);
        }
      }
      assertThat(recorder.stats().dropped()).isZero();
      assertThat(recorder.stats().rotations()).isPositive();
      JsonNode served = strangler.adminJson("/admin/recording");
      assertThat(served.get("enabled").asBoolean()).isTrue();
      assertThat(served.get("written").asLong()).isEqualTo(dispatched);
    }

    Scratch.freshStores(redis, pg, topology);
    List<String> args = new ArrayList<>(List.of("replay", "--log"));
    try (var files = Files.list(dir)) {
      files.map(Path::toString).filter(f -> f.endsWith(".jsonl")).sorted().forEach(args::add);
    }
    Path report = dir.resolve("report.json");
    args.addAll(
        List.of(
            "--inprocess",
            "--redis",
            redis.uri(),
            "--postgres",
            Scratch.postgresUrl(pg),
            "--fail-under",
            "100",
            "--json",
            "--report",
            report.toString()));

    int exit = Main.run(args.toArray(String[]::new));

    JsonNode r = Scratch.readJson(report);
    assertThat(exit).as("exit code; report %s", r).isZero();
    JsonNode overall = r.get("overall");
    assertThat(overall.get("calls").asLong()).isEqualTo(dispatched);
    assertThat(overall.get("reproducible").asLong()).isEqualTo(dispatched);
    assertThat(overall.get("reproducedPercent").asDouble())
        .as("%s", r.get("unreproducedExamples"))
        .isEqualTo(100.0);
    assertThat(overall.get("consistencyPercent").asDouble()).isEqualTo(100.0);
    assertThat(r.get("topDifferingFields")).isEmpty();
    // The mix reached every API, with errors as well as answers.
    assertThat(r.get("apis")).hasSize(12);
    assertThat(Scratch.api(r, "ConnectRepl").get("outcomes").has("ok")).isTrue();
    assertThat(Scratch.api(r, "GetRepl").get("outcomes").has("NOT_FOUND")).isTrue();
    assertThat(Scratch.api(r, "ConnectRepl").at("/latencyMs/legacy/p99").asDouble()).isPositive();
    assertThat(Scratch.api(r, "ConnectRepl").at("/latencyMs/new/p99").asDouble()).isPositive();
  }

  private static boolean validates(RandomCalls.Call call) {
    try {
      call.request().validate();
      return true;
    } catch (ControlPlaneException e) {
      return false;
    }
  }

  private static Class<?> answerType(RandomCalls.Call call) {
    return switch (call.operation().name()) {
      case "ConnectRepl" -> io.strangler.api.ops.ConnectReplResponse.class;
      case "StopContainer" -> io.strangler.api.model.Container.class;
      default -> JsonNode.class;
    };
  }
}
