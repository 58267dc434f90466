package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.api.workload.RandomCalls;
import io.strangler.diff.Verdict;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * The inconsistency numbers are only as good as they are true: identical backends must show no
 * mismatch over many mixed calls, and each kind of corruption of the legacy store must be caught
 * and attributed to the right API and field.
 */
@ExtendWith(RealServers.class)
class DiffCorrectnessTest {
  private static final Logger log = LoggerFactory.getLogger(DiffCorrectnessTest.class);
  private static final int CALLS = 10_000;

  private final RedisDb redis;
  private final PostgresDb pg;
  private TestStrangler strangler;

  @TempDir Path dir;

  DiffCorrectnessTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @AfterEach
  void stop() {
    if (strangler != null) {
      strangler.close();
    }
  }

  @Test
  void identicalBackends_tenThousandMixedCallsInShadow_showNoInconsistency() throws Exception {
    Topology topology = Topology.sample(3, 2);
    strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, topology);
    RandomCalls calls = new RandomCalls(topology, 7L);
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    long dispatched = 0;

    for (int i = 0; i < CALLS; i++) {
      RandomCalls.Call call = calls.next();
      var response =
          strangler.post(
              call.operation().name(), ControlApiJson.mapper().writeValueAsString(call.request()));
      statuses.merge(response.statusCode(), 1, Integer::sum);
      if (response.statusCode() == 200) {
        calls.observe(call, ControlApiJson.mapper().readValue(response.body(), answerType(call)));
      }
      // One call at a time, each compared before the next: the shadow write of call i must not
      // race call i+1 on another entity (placement reads every machine's load), or a placement
      // difference would be the test's doing, not the backends'.
      // A request that fails validation is refused by the proxy and never dispatched.
      if (validates(call)) {
        long expected = ++dispatched;
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(1))
            .until(() -> processed() >= expected);
      }
    }

    Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
    for (Verdict v : Verdict.values()) {
      verdicts.put(v, strangler.server.diff().processed(v));
    }
    log.info("{} calls in SHADOW: HTTP statuses {}, verdicts {}", CALLS, statuses, verdicts);
    assertThat(dispatched).isGreaterThan(CALLS * 9L / 10);
    // Every dispatched call agreed, or was a write the legacy backend refused, whose shadow write
    // is by design never sent (counted as SHADOW_DROPPED, reason authoritative_failed).
    assertThat(
            verdicts.get(Verdict.MATCH)
                + verdicts.get(Verdict.BOTH_ERROR_SAME)
                + verdicts.get(Verdict.SHADOW_DROPPED))
        .isEqualTo(dispatched);
    for (Verdict inconsistent :
        List.of(
            Verdict.MISMATCH,
            Verdict.BOTH_ERROR_DIFFERENT,
            Verdict.AUTHORITATIVE_ERROR,
            Verdict.SHADOW_ERROR,
            Verdict.SHADOW_TIMEOUT,
            Verdict.RACE)) {
      assertThat(verdicts.get(inconsistent)).as(inconsistent.name()).isZero();
    }
    String metrics = strangler.admin("GET", "/metrics", null, TestStrangler.TOKEN).body();
    long authoritativeFailed =
        metrics
            .lines()
            .filter(
                l ->
                    l.startsWith("strangler_shadow_dropped_total{")
                        && l.contains("reason=\"authoritative_failed\""))
            .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum();
    assertThat(authoritativeFailed).isEqualTo(verdicts.get(Verdict.SHADOW_DROPPED));

    assertThat(verdicts.get(Verdict.BOTH_ERROR_SAME)).isPositive();
    assertThat(statuses).containsKeys(200, 400, 404);
    assertThat(strangler.adminJson("/admin/mismatches?limit=10").get("mismatches")).isEmpty();
  }

  private long processed() {
    long total = 0;
    for (Verdict v : Verdict.values()) {
      total += strangler.server.diff().processed(v);
    }
    return total;
  }

  private static boolean validates(RandomCalls.Call call) {
    try {
      call.request().validate();
      return true;
    } catch (io.strangler.api.ControlPlaneException e) {
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

  /** A corruption seeded straight into Redis, the read that must catch it, and where. */
  private record Corruption(String name, String api, String body, String foldedPath) {}

  @Test
  void corruptionsSeededIntoRedis_areDetected_andAttributedToApiAndField() throws Exception {
    Topology topology = new Topology(Map.of("us", List.of("us-1", "us-2")));
    strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, topology);
    // The same world in both stores, written through both backends directly.
    Instant t = Instant.now();
    int[] n = {0};
    java.util.function.Function<String, CallContext> ctx =
        id -> new CallContext(id + "-" + (n[0]++), t);
    for (var plane : List.of(strangler.legacyView, strangler.newView)) {
      n[0] = 0;
      for (String c : List.of("us-1", "us-2")) {
        plane.registerMachine(
            new RegisterMachineRequest("m-" + c, c, "10.0.0." + c.charAt(3), 10), ctx.apply("m"));
      }
      for (int i = 0; i < 6; i++) {
        plane.createRepl(new CreateReplRequest("r-" + i, "o", "app-" + i, "us"), ctx.apply("c"));
      }
      for (int i = 0; i < 4; i++) {
        plane.connectRepl(new ConnectReplRequest("r-" + i), ctx.apply("k"));
      }
      plane.transferRepl(
          new TransferReplRequest(
              "r-5",
              "us-1"
                      .equals(
                          plane
                              .getRepl(
                                  new io.strangler.api.ops.GetReplRequest("r-5"), ctx.apply("g"))
                              .cluster())
                  ? "us-2"
                  : "us-1",
              false),
          ctx.apply("t"));
    }
    String cluster0 =
        strangler
            .legacyView
            .getRepl(new io.strangler.api.ops.GetReplRequest("r-0"), ctx.apply("g"))
            .cluster();
    String otherCluster = cluster0.equals("us-1") ? "us-2" : "us-1";
    String container2 = current(2);
    String machineOf2 = machineOf(container2);
    String machineOf3 = machineOf(current(3));

    try (Jedis j = redis.connect()) {
      // 1. repl in the wrong cluster
      j.hset("repl:r-0", "cluster", otherCluster);
      // 2. container missing: the repl's current container forgotten
      j.del("repl:r-1:current");
      // 3. stale machine address
      j.hset("machine:" + machineOf2, "address", "10.9.9.9");
      // 4. an extra container for r-3
      j.hset(
          "container:ctr-extra",
          Map.of(
              "containerId",
              "ctr-extra",
              "replId",
              "r-3",
              "machineId",
              machineOf3,
              "cluster",
              strangler
                  .legacyView
                  .getRepl(new io.strangler.api.ops.GetReplRequest("r-3"), ctx.apply("g"))
                  .cluster(),
              "state",
              "RUNNING",
              "startedAt",
              String.valueOf(t.toEpochMilli())));
      j.zadd("repl:r-3:containers", t.toEpochMilli(), "ctr-extra");
      j.sadd("machine:" + machineOf3 + ":running", "ctr-extra");
      j.zadd("machine:" + machineOf3 + ":containers", t.toEpochMilli(), "ctr-extra");
      // 5. a tombstone gone
      j.del("tombstone:r-5");
    }

    List<Corruption> cases =
        List.of(
            new Corruption(
                "repl in the wrong cluster", "GetRepl", "{\"replId\":\"r-0\"}", "/cluster"),
            new Corruption(
                "container missing", "GetHostingMetadata", "{\"slug\":\"app-1\"}", "/state"),
            new Corruption(
                "stale machine address", "GetHostingMetadata", "{\"slug\":\"app-2\"}", "/address"),
            new Corruption(
                "an extra container", "ListContainers", "{\"replId\":\"r-3\"}", "/containers/*"),
            new Corruption(
                "a tombstone gone", "ResolveCluster", "{\"replId\":\"r-5\"}", "/tombstone"));
    List<String> caught = new ArrayList<>();
    for (Corruption c : cases) {
      assertThat(strangler.post(c.api(), c.body()).statusCode()).as(c.name()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                JsonNode samples =
                    strangler
                        .adminJson("/admin/mismatches?api=" + c.api() + "&limit=20")
                        .get("mismatches");
                boolean found = false;
                for (JsonNode s : samples) {
                  if (s.get("request").equals(TestStrangler.json(c.body()))) {
                    assertThat(s.get("verdict").asText()).as(c.name()).isEqualTo("MISMATCH");
                    List<String> folded = new ArrayList<>();
                    s.get("diffs").forEach(d -> folded.add(d.get("foldedPath").asText()));
                    assertThat(folded).as(c.name()).contains(c.foldedPath());
                    found = true;
                  }
                }
                assertThat(found).as(c.name() + " sampled").isTrue();
              });
      caught.add(c.name());
    }
    assertThat(caught).hasSize(5);
    String metrics = strangler.admin("GET", "/metrics", null, TestStrangler.TOKEN).body();
    assertThat(metrics)
        .contains("strangler_diff_mismatches_total{api=\"GetRepl\",path=\"/cluster\"}");
    assertThat(metrics)
        .contains("strangler_diff_mismatches_total{api=\"ResolveCluster\",path=\"/tombstone\"}");
    // The dashboards and alert rules query series this server really exports at /metrics. A
    // counter appears at its first increment: those of failure paths this traffic never takes
    // (diff queue drops, sampling, pipeline failures, shadow drops) are checked in the dashboards
    // module, which drives the pipeline through them. So are the repairer's series: this server
    // runs without a repair journal.
    java.util.Set<String> expected =
        new java.util.TreeSet<>(io.strangler.dashboards.MonitoringNames.usedByDashboardsAndRules());
    expected.removeAll(
        List.of(
            "strangler_diff_dropped_total",
            "strangler_diff_sampled_out_total",
            "strangler_diff_failures_total",
            "strangler_shadow_dropped_total"));
    expected.removeIf(name -> name.startsWith("strangler_repairs_"));
    assertThat(io.strangler.dashboards.MonitoringNames.inScrape(metrics)).containsAll(expected);
  }

  private String current(int i) {
    try (Jedis j = redis.connect()) {
      return j.get("repl:r-" + i + ":current");
    }
  }

  private String machineOf(String containerId) {
    try (Jedis j = redis.connect()) {
      return j.hget("container:" + containerId, "machineId");
    }
  }
}
