package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.cutover.CutoverConfig;
import io.strangler.cutover.RollbackConfig;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.ApiSetting;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.legacy.RedisPoolSettings;
import io.strangler.proxy.ClosingFlags;
import io.strangler.proxy.StranglerServer;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import io.strangler.servers.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarded cut-over through the assembled proxy over real Redis and PostgreSQL: a new backend
 * made to fail (or to answer 300 ms slower) at the backend boundary while ListMachines is
 * NEW_PRIMARY at 10% is stepped back to SHADOW by the proxy within the window + 5 s; the CLI
 * refuses an advance naming the failing gate.
 */
@ExtendWith(RealServers.class)
class CutoverEndToEndTest {
  private static final String API = "ListMachines";
  private static final Duration WINDOW = Duration.ofSeconds(5);

  /**
   * The defaults with a 5 s window, and a p99 excess of 150 ms instead of 50: on a loaded test
   * machine PostgreSQL's p99 runs ~100 ms over Redis's with no fault at all; 300 ms is the fault.
   */
  private static final RollbackConfig ROLLBACK =
      new RollbackConfig(WINDOW, Duration.ofSeconds(1), 20, 1.0, 1.5, 150, 99.0, 3);

  private static final List<String> CLUSTERS =
      List.of("region-1-c1", "region-1-c2", "region-2-c1", "region-2-c2");

  private final RedisDb redis;
  private final PostgresDb pg;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicReference<String> fault = new AtomicReference<>("none");
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong clientErrors = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private ExecutorService clients;
  private StranglerServer server;
  @TempDir Path dir;

  CutoverEndToEndTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @AfterEach
  void stop() throws InterruptedException {
    running.set(false);
    if (clients != null) {
      clients.shutdown();
      clients.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  /**
   * The new backend, with calls of {@code API} failing every other time or slowed, as {@link
   * #fault} says.
   */
  private ControlPlane faulty(ControlPlane real) {
    AtomicLong n = new AtomicLong();
    return (ControlPlane)
        Proxy.newProxyInstance(
            ControlPlane.class.getClassLoader(),
            new Class<?>[] {ControlPlane.class},
            (proxy, method, args) -> {
              if (method.getName().equals("listMachines")) {
                switch (fault.get()) {
                  case "errors" -> {
                    if (n.incrementAndGet() % 2 == 0) {
                      throw new ControlPlaneException(ErrorCode.UNAVAILABLE, "injected fault");
                    }
                  }
                  case "slow" -> Thread.sleep(300); // the injected latency itself
                  default -> {}
                }
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private void start(ApiSetting setting) throws Exception {
    redis.flush();
    start(setting, LegacyRedisControlPlane.create(redis.uri()));
  }

  /** The proxy with {@code legacy} as the legacy store (on a Redis of the test's own, say). */
  private void start(ApiSetting setting, ControlPlane legacy) throws Exception {
    try (var c = pg.database().connect();
        var s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    Topology topology = Topology.sample(2, 2);
    ControlPlane real = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password());
    legacy.applyTopology(topology);
    real.applyTopology(topology);
    Path flagsFile = dir.resolve("flags.json");
    List<String> ops = Operation.ALL.stream().map(Operation::name).toList();
    Files.write(flagsFile, FlagsFile.allIn(Mode.SHADOW, ops).with(API, setting).toJson());
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .adminBindAddress("127.0.0.1")
            .adminPort(0)
            .adminToken(TestStrangler.TOKEN)
            .build();
    server =
        StranglerServer.start(
            config,
            legacy,
            faulty(real),
            OverridingFlags.wrap(ClosingFlags.file(flagsFile, pg.database())),
            StranglerServer.DiffSetup.defaults(pg.database()),
            TrafficRecorder.disabled(),
            CutoverConfig.defaults().withRollback(ROLLBACK));
  }

  /** Eight clients calling ListMachines over every cluster until the test ends. */
  private void traffic() {
    clients = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      int client = t;
      clients.submit(
          () -> {
            int i = client;
            while (running.get()) {
              String cluster = CLUSTERS.get(i++ % CLUSTERS.size());
              HttpResponse<String> r =
                  send(
                      "POST",
                      "http://127.0.0.1:" + server.port() + "/v1/" + API,
                      "{\"cluster\":\"" + cluster + "\"}");
              calls.incrementAndGet();
              if (r.statusCode() >= 500) {
                clientErrors.incrementAndGet();
              }
            }
            return null;
          });
    }
  }

  private HttpResponse<String> send(String method, String url, String body) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(url))
              .header("Content-Type", "application/json")
              .header("Authorization", "Bearer " + TestStrangler.TOKEN)
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode admin(String path) {
    return TestStrangler.json(
        send("GET", "http://127.0.0.1:" + server.adminPort() + path, null).body());
  }

  private JsonNode flag() {
    for (JsonNode a : admin("/admin/flags").path("apis")) {
      if (a.path("operation").asText().equals(API)) {
        return a;
      }
    }
    throw new AssertionError(API + " not in /admin/flags");
  }

  private void awaitRollback(String why) {
    awaitRollbackFrom("NEW_PRIMARY 10%", why);
  }

  private void awaitRollbackFrom(String from, String why) {
    long faultAt = System.nanoTime();
    await()
        .atMost(WINDOW.plusSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(flag().path("configured").asText()).isEqualTo("SHADOW"));
    System.out.printf(
        "cutover: rolled back %d ms after the fault (window %d s)%n",
        (System.nanoTime() - faultAt) / 1_000_000, WINDOW.toSeconds());
    JsonNode entry = admin("/admin/cutover/audit").path("entries").get(0);
    assertThat(entry.path("action").asText()).isEqualTo("auto-rollback");
    assertThat(entry.path("who").asText()).isEqualTo("auto-rollback");
    assertThat(entry.path("from").asText()).isEqualTo(from);
    assertThat(entry.path("to").asText()).isEqualTo("SHADOW");
    assertThat(entry.path("why").asText()).contains(why);
    assertThat(entry.path("gates").size()).isGreaterThanOrEqualTo(5);
    String metrics =
        send("GET", "http://127.0.0.1:" + server.adminPort() + "/metrics", null).body();
    assertThat(metrics)
        .contains("strangler_cutover_rollbacks_total{api=\"ListMachines\",trigger=\"auto\"} 1");
  }

  @Test
  void newBackendFailingAtNewPrimaryTenPercent_isSteppedBackToShadowWithinWindowPlusFiveSeconds()
      throws Exception {
    start(new ApiSetting(Mode.NEW_PRIMARY, 10));
    traffic();
    healthyWindow();

    long before = calls.get();
    fault.set("errors");
    awaitRollback("new error rate");

    // What clients saw: errors only from keys in the 10% while the fault was live.
    long during = calls.get() - before;
    assertThat(clientErrors.get()).isLessThanOrEqualTo(during / 2);
    long afterRollback = clientErrors.get();
    long callsAtRollback = calls.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() > callsAtRollback + 200);
    assertThat(clientErrors.get())
        .as("client-visible errors once in SHADOW")
        .isEqualTo(afterRollback);
  }

  @Test
  void
      newBackend300MsSlowerAtNewPrimaryTenPercent_isSteppedBackToShadowWithinWindowPlusFiveSeconds()
          throws Exception {
    start(new ApiSetting(Mode.NEW_PRIMARY, 10));
    traffic();
    healthyWindow();

    fault.set("slow");

    awaitRollback("new p99 ");
    String why = admin("/admin/cutover/audit").path("entries").get(0).path("why").asText();
    double p99 = Double.parseDouble(why.replaceAll("^new p99 ([0-9.]+) ms.*$", "$1"));
    assertThat(p99).isGreaterThanOrEqualTo(300);
  }

  @Test
  void legacyRedisFrozenWhileNewPrimary_noRollbackOntoIt_thenNewErrorsOnceLegacyAnswers_rollBack()
      throws Exception {
    try (RedisProcess legacyRedis = RedisProcess.start()) {
      // Legacy calls give up after 200 ms, well within the 1 s shadow timeout: a frozen Redis shows
      // as legacy failures (UNAVAILABLE), so the compared calls are SHADOW_ERROR, inconsistent.
      start(
          ApiSetting.of(Mode.NEW_PRIMARY),
          LegacyRedisControlPlane.create(
              legacyRedis.endpoint().uri(0),
              RedisPoolSettings.of(16)
                  .withTimeouts(
                      Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofMillis(200))));
      traffic();
      healthyWindow();

      legacyRedis.pause();
      long frozenAt = System.nanoTime();
      long callsAtFreeze = calls.get();
      // Legacy, the shadow, fails every call it gets: seen in the window, blamed on no one new.
      await()
          .atMost(WINDOW.plusSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                assertThat(legacyHealth().path("errors").asLong()).isGreaterThan(20);
                assertThat(System.nanoTime() - frozenAt)
                    .isGreaterThan(WINDOW.plusSeconds(5).toNanos());
              });
      assertThat(calls.get()).as("calls while frozen").isGreaterThan(callsAtFreeze + 100);
      assertThat(flag().path("configured").asText()).isEqualTo("NEW_PRIMARY");
      assertThat(flag().path("rolloutPercent").asInt()).isEqualTo(100);
      assertThat(admin("/admin/cutover/audit").path("entries")).isEmpty();
      assertThat(cutoverApi().path("breachStreak").asInt()).isZero();
      System.out.printf(
          "cutover: legacy frozen %d ms, NEW_PRIMARY kept; legacy in the window: %s%n",
          (System.nanoTime() - frozenAt) / 1_000_000, legacyHealth());

      legacyRedis.resume();
      fault.set("errors");
      awaitRollbackFrom("NEW_PRIMARY", "new error rate");
    }
  }

  private JsonNode legacyHealth() {
    return cutoverApi().path("health").path("legacy");
  }

  private JsonNode cutoverApi() {
    for (JsonNode a : admin("/admin/cutover").path("apis")) {
      if (a.path("api").asText().equals(API)) {
        return a;
      }
    }
    throw new AssertionError(API + " not in /admin/cutover");
  }

  /** A whole window of healthy traffic: no rollback without a fault. */
  private void healthyWindow() {
    long start = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> calls.get() > 200 && System.nanoTime() - start > WINDOW.plusSeconds(2).toNanos());
    assertThat(flag().path("configured").asText()).isEqualTo("NEW_PRIMARY");
    assertThat(admin("/admin/cutover/audit").path("entries")).isEmpty();
  }

  @Test
  void cutoverAdvance_fromTheCli_refusesNamingTheFailingGate_andForceIsAudited() throws Exception {
    start(ApiSetting.of(Mode.SHADOW));
    String adminUrl = "http://127.0.0.1:" + server.adminPort() + "/";
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int refused;
    try {
      refused =
          Main.run(
              "cutover", "advance", API, "--admin", adminUrl, "--admin-token", TestStrangler.TOKEN);
    } finally {
      System.setErr(oldErr);
    }

    assertThat(refused).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(
            "FAILED_PRECONDITION",
            "SHADOW -> NEW_PRIMARY 1% refused",
            "gate compared calls 0 (needs >= 10000)",
            "gate pending repairs unknown");
    assertThat(flag().path("configured").asText()).isEqualTo("SHADOW");

    assertThat(
            Main.run(
                "cutover",
                "advance",
                API,
                "--force",
                "--admin",
                adminUrl,
                "--admin-token",
                TestStrangler.TOKEN))
        .isEqualTo(1);
    int forced =
        Main.run(
            "cutover",
            "advance",
            API,
            "--force",
            "--reason",
            "demo",
            "--admin",
            adminUrl,
            "--admin-token",
            TestStrangler.TOKEN);

    assertThat(forced).isZero();
    assertThat(flag().path("configured").asText()).isEqualTo("NEW_PRIMARY");
    assertThat(flag().path("rolloutPercent").asInt()).isEqualTo(1);
    JsonNode entry = admin("/admin/cutover/audit").path("entries").get(0);
    assertThat(entry.path("action").asText()).isEqualTo("forced-advance");
    assertThat(entry.path("who").asText()).isEqualTo(System.getProperty("user.name"));
    assertThat(entry.path("why").asText()).isEqualTo("demo");
    assertThat(entry.path("gates").toString())
        .contains("\"name\":\"compared calls\"", "\"passed\":false");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertThat(
              Main.run(
                  "cutover",
                  "status",
                  API,
                  "--admin",
                  adminUrl,
                  "--admin-token",
                  TestStrangler.TOKEN))
          .isZero();
    } finally {
      System.setOut(oldOut);
    }
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            API,
            "NEW_PRIMARY 1%",
            "(3/7)",
            "next: NEW_PRIMARY 10%",
            "NOT READY",
            "pending repairs",
            "FAIL");
  }

  private String[] runCapturingErr(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setErr(oldErr);
    }
  }

  @Test
  void flagsSet_printsTheGatesItSkips_strictRefusesAndChangesNothing() throws Exception {
    start(ApiSetting.of(Mode.SHADOW));
    String adminUrl = "http://127.0.0.1:" + server.adminPort() + "/";

    String[] strict =
        runCapturingErr(
            "flags",
            "set",
            API,
            "NEW_PRIMARY",
            "--rollout",
            "10",
            "--strict",
            "--admin",
            adminUrl,
            "--admin-token",
            TestStrangler.TOKEN);

    assertThat(strict[0]).isEqualTo("3");
    assertThat(strict[1])
        .contains("refused (--strict)", "NEW_PRIMARY 10%", "compared calls 0 (needs >= 10000)");
    assertThat(flag().path("configured").asText()).isEqualTo("SHADOW");

    String[] expert =
        runCapturingErr(
            "flags",
            "set",
            API,
            "NEW_PRIMARY",
            "--rollout",
            "10",
            "--admin",
            adminUrl,
            "--admin-token",
            TestStrangler.TOKEN);

    assertThat(expert[0]).isEqualTo("0");
    assertThat(expert[1])
        .contains(
            "warning: " + API + " to NEW_PRIMARY 10% skips failing cut-over gates",
            "compared calls 0");
    assertThat(flag().path("configured").asText()).isEqualTo("NEW_PRIMARY");
    assertThat(flag().path("rolloutPercent").asInt()).isEqualTo(10);

    // Stepping back skips no gate: nothing to warn about, even with --strict.
    String[] back =
        runCapturingErr(
            "flags",
            "set",
            API,
            "SHADOW",
            "--strict",
            "--admin",
            adminUrl,
            "--admin-token",
            TestStrangler.TOKEN);
    assertThat(back[0]).isEqualTo("0");
    assertThat(back[1]).doesNotContain("skips");
    assertThat(flag().path("configured").asText()).isEqualTo("SHADOW");
  }
}
