package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.FlagAudit;
import io.strangler.flags.UnleashFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cut-over across a fleet of in-process proxies on one Redis and one PostgreSQL whose flags
 * come from Unleash (a real client on a bootstrap file, which the proxies cannot write): an
 * override one instance takes is applied by every instance and cleared fleet-wide; the error-rate
 * gate reads every instance's calls.
 */
@ExtendWith(RealServers.class)
class FleetCutoverTest {
  private static final String TOKEN = TestStrangler.TOKEN;
  private static final String API = "ListMachines";

  /** ListMachines in SHADOW (its toggle's variant), every other API the default LEGACY_ONLY. */
  private static final String FEATURES =
      """
      {"version": 2, "features": [
        {"name": "strangler.ListMachines", "enabled": true,
         "strategies": [{"name": "default"}],
         "variants": [{"name": "SHADOW", "weight": 1000, "weightType": "variable",
                       "stickiness": "userId"}]},
        {"name": "strangler.kill.legacy", "enabled": false, "strategies": [{"name": "default"}]},
        {"name": "strangler.kill.new", "enabled": false, "strategies": [{"name": "default"}]}
      ]}
      """;

  private final RedisDb redis;
  private final PostgresDb pg;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<StranglerServer> servers = new ArrayList<>();
  @TempDir Path dir;

  FleetCutoverTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @AfterEach
  void stop() {
    servers.forEach(StranglerServer::close);
  }

  /** Starts instances named {@code names}; those in {@code failing} fail every ListMachines. */
  private void start(List<String> names, List<String> failing) throws Exception {
    redis.flush();
    try (var c = pg.database().connect();
        var s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    Topology topology = Topology.sample(2, 2);
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      legacy.applyTopology(topology);
      controlPlane.applyTopology(topology);
    }
    Path bootstrap = Files.writeString(dir.resolve("features.json"), FEATURES);
    for (String name : names) {
      FlagAudit audit = FlagAudit.postgres(pg.jdbcUrl(), pg.user(), pg.password());
      UnleashFlags flags =
          UnleashFlags.builder()
              .offline()
              .instanceId(name)
              .bootstrapFile(bootstrap)
              .backupFile(dir.resolve(name + "-backup.json"))
              .knownOperations(TestStrangler.OPERATIONS)
              .audit(audit)
              .build();
      ProxyConfig config =
          ProxyConfig.builder()
              .bindAddress("127.0.0.1")
              .port(0)
              .adminBindAddress("127.0.0.1")
              .adminPort(0)
              .adminToken(TOKEN)
              .instanceId(name)
              .build();
      ControlPlane newer = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password());
      servers.add(
          StranglerServer.start(
              config,
              LegacyRedisControlPlane.create(redis.uri()),
              failing.contains(name) ? failingListMachines(newer) : newer,
              new ClosingFlags(flags, audit),
              StranglerServer.DiffSetup.defaults(pg.database())
                  .withFleet(new FleetSetup(Duration.ofMillis(200))),
              TrafficRecorder.disabled()));
    }
  }

  private static ControlPlane failingListMachines(ControlPlane real) {
    return (ControlPlane)
        Proxy.newProxyInstance(
            ControlPlane.class.getClassLoader(),
            new Class<?>[] {ControlPlane.class},
            (proxy, method, args) -> {
              if (method.getName().equals("listMachines")) {
                throw new ControlPlaneException(ErrorCode.UNAVAILABLE, "injected fault");
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void overrideTakenByOneInstance_isAppliedByEveryInstance_andClearedFleetWide() throws Exception {
    start(List.of("proxy-a", "proxy-b", "proxy-c"), List.of());
    StranglerServer a = servers.get(0);
    StranglerServer b = servers.get(1);
    StranglerServer c = servers.get(2);
    assertThat(flag(c).path("configured").asText()).isEqualTo("SHADOW");

    HttpResponse<String> rolledBack =
        admin(a, "POST", "/admin/cutover/" + API + "/rollback", "{\"reason\": \"fleet drill\"}");

    assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(200);
    assertThat(TestStrangler.json(rolledBack.body()).path("via").asText()).isEqualTo("override");
    long movedAt = System.nanoTime();
    for (StranglerServer s : List.of(b, c)) {
      await()
          .atMost(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(
              () -> {
                JsonNode f = flag(s);
                assertThat(f.path("configured").asText()).isEqualTo("LEGACY_ONLY");
                assertThat(f.path("source").asText()).isEqualTo("override");
              });
    }
    System.out.printf(
        "fleet: an override of one instance applied by the others in %d ms%n",
        (System.nanoTime() - movedAt) / 1_000_000);
    JsonNode held = adminJson(c, "/admin/flags").path("overrides").get(0);
    assertThat(held.path("operation").asText()).isEqualTo(API);
    assertThat(held.path("reason").asText()).isEqualTo("rollback: fleet drill");
    assertThat(held.path("setting").path("mode").asText()).isEqualTo("LEGACY_ONLY");

    HttpResponse<String> cleared =
        admin(b, "POST", "/admin/cutover/" + API + "/clear-override", "{}");

    assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
    for (StranglerServer s : List.of(a, b, c)) {
      await()
          .atMost(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(
              () -> {
                assertThat(flag(s).path("configured").asText()).isEqualTo("SHADOW");
                assertThat(flag(s).path("source").asText()).isEqualTo("unleash");
                assertThat(adminJson(s, "/admin/flags").path("overrides")).isEmpty();
              });
    }
  }

  @Test
  void errorRateGate_readsEveryInstancesCalls() throws Exception {
    start(List.of("proxy-a", "proxy-b"), List.of("proxy-a"));
    StranglerServer a = servers.get(0);
    StranglerServer b = servers.get(1);

    // Only proxy-a serves ListMachines, and its new backend (the shadow) fails every call.
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = post(a, API, "{\"cluster\":\"region-1-c" + (1 + i % 2) + "\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode gate = gate(b, "NEW_PRIMARY 1%", "error rate");
              assertThat(gate.path("value").asText()).startsWith("new 100%, legacy 0%");
              assertThat(gate.path("passed").asBoolean()).isFalse();
              // Once proxy-a's counters of all 40 calls are flushed (they may arrive in parts).
              JsonNode health = cutoverApi(b).path("health");
              assertThat(health.path("compared").asLong()).isEqualTo(40);
              assertThat(health.path("newer").path("errors").asLong()).isEqualTo(40);
            });
    // proxy-b compared none of these calls itself: the gate and its health are the fleet's.
    assertThat(compared(adminJson(b, "/admin/readiness?scope=local"))).isZero();
  }

  private static long compared(JsonNode readiness) {
    for (JsonNode a : readiness.path("apis")) {
      if (a.path("api").asText().equals(API)) {
        return a.path("compared").asLong();
      }
    }
    throw new AssertionError(API + " not in " + readiness);
  }

  private JsonNode gate(StranglerServer s, String to, String name) {
    JsonNode body =
        adminJson(
            s,
            "/admin/cutover/" + API + "/gates?to=" + URLEncoder.encode(to, StandardCharsets.UTF_8));
    for (JsonNode g : body.path("gates")) {
      if (g.path("name").asText().equals(name)) {
        return g;
      }
    }
    throw new AssertionError("no gate " + name + " in " + body);
  }

  private JsonNode cutoverApi(StranglerServer s) {
    for (JsonNode a : adminJson(s, "/admin/cutover").path("apis")) {
      if (a.path("api").asText().equals(API)) {
        return a;
      }
    }
    throw new AssertionError(API + " not in /admin/cutover");
  }

  private JsonNode flag(StranglerServer s) {
    for (JsonNode f : adminJson(s, "/admin/flags").path("apis")) {
      if (f.path("operation").asText().equals(API)) {
        return f;
      }
    }
    throw new AssertionError(API + " not in /admin/flags");
  }

  private HttpResponse<String> post(StranglerServer s, String operation, String body) {
    return TestStrangler.post(http, s.port(), operation, body);
  }

  private HttpResponse<String> admin(StranglerServer s, String method, String path, String body) {
    return TestStrangler.admin(http, s.adminPort(), method, path, body);
  }

  private JsonNode adminJson(StranglerServer s, String path) {
    return TestStrangler.adminJson(http, s.adminPort(), path);
  }
}
