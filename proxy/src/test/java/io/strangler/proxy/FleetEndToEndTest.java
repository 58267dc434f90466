package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.FlagAudit;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.PostgresFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two assembled proxies on one Redis and one PostgreSQL, as two instances of a fleet: readiness,
 * the cut-over's gates and the flags are the fleet's.
 */
@ExtendWith(RealServers.class)
class FleetEndToEndTest {
  private static final String TOKEN = TestStrangler.TOKEN;
  private static final String[] NAMES = {"proxy-a", "proxy-b"};

  private final RedisDb redis;
  private final PostgresDb pg;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<StranglerServer> servers = new ArrayList<>();

  FleetEndToEndTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeEach
  void start() throws Exception {
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
    for (String name : NAMES) {
      FlagAudit audit = FlagAudit.postgres(pg.jdbcUrl(), pg.user(), pg.password());
      PostgresFlags flags =
          PostgresFlags.builder(pg.jdbcUrl(), pg.user(), pg.password())
              .knownOperations(TestStrangler.OPERATIONS)
              .seed(FlagsFile.allIn(Mode.SHADOW, TestStrangler.OPERATIONS), "test")
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
      servers.add(
          StranglerServer.start(
              config,
              LegacyRedisControlPlane.create(redis.uri()),
              new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password()),
              new ClosingFlags(flags, audit),
              StranglerServer.DiffSetup.defaults(pg.database())
                  .withFleet(new FleetSetup(Duration.ofMillis(200))),
              TrafficRecorder.disabled()));
    }
  }

  @AfterEach
  void stop() {
    servers.forEach(StranglerServer::close);
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

  private static long compared(JsonNode readiness, String api) {
    for (JsonNode a : readiness.path("apis")) {
      if (a.path("api").asText().equals(api)) {
        return a.path("compared").asLong();
      }
    }
    throw new AssertionError(api + " not in " + readiness);
  }

  @Test
  void readinessIsTheFleets_theSumOfWhatEachInstanceCompared_andOneInstanceCanBeReadAlone() {
    StranglerServer a = servers.get(0);
    StranglerServer b = servers.get(1);
    for (int i = 0; i < 12; i++) {
      StranglerServer s = i % 3 == 0 ? b : a; // 8 on a, 4 on b
      String id = "r-" + i;
      HttpResponse<String> created =
          post(
              s,
              "CreateRepl",
              "{\"replId\":\""
                  + id
                  + "\",\"ownerId\":\"o-1\",\"slug\":\"app-"
                  + i
                  + "\",\"region\":\"region-1\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      assertThat(created.headers().firstValue("X-Served-By"))
          .hasValue(i % 3 == 0 ? "proxy-b" : "proxy-a");
      assertThat(post(s, "GetRepl", "{\"replId\":\"" + id + "\"}").statusCode()).isEqualTo(200);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                compared(adminJson(a, "/admin/readiness?scope=local"), "GetRepl") == 8
                    && compared(adminJson(b, "/admin/readiness?scope=local"), "GetRepl") == 4);

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              JsonNode fleet = adminJson(b, "/admin/readiness");
              assertThat(fleet.path("scope").asText()).isEqualTo("fleet");
              assertThat(compared(fleet, "GetRepl")).isEqualTo(12);
              assertThat(compared(fleet, "CreateRepl")).isEqualTo(12);
            });
    JsonNode fleetOnA = adminJson(a, "/admin/readiness");
    assertThat(compared(fleetOnA, "GetRepl"))
        .as("every instance sees the same fleet")
        .isEqualTo(12);
    assertThat(fleetOnA.path("liveInstances").asInt()).isEqualTo(2);
    assertThat(fleetOnA.path("instances").findValuesAsText("instance"))
        .containsExactly("proxy-a", "proxy-b");
    JsonNode onlyB = adminJson(a, "/admin/readiness?instance=proxy-b");
    assertThat(onlyB.path("scope").asText()).isEqualTo("instance");
    assertThat(compared(onlyB, "GetRepl")).isEqualTo(4);
    JsonNode local = adminJson(a, "/admin/readiness?scope=local");
    assertThat(local.path("scope").asText()).isEqualTo("local");
    assertThat(admin(a, "GET", "/admin/readiness?scope=galaxy", null).statusCode()).isEqualTo(400);

    // The cut-over's gates read the fleet's numbers too.
    JsonNode cutover = adminJson(b, "/admin/cutover");
    for (JsonNode api : cutover.path("apis")) {
      if (api.path("api").asText().equals("GetRepl")) {
        assertThat(api.path("health").path("compared").asLong()).isEqualTo(12);
      }
    }
  }

  @Test
  void aFlipThroughOneInstance_reachesTheOther_andFlagsSayWhichVersionEachApplies() {
    StranglerServer a = servers.get(0);
    StranglerServer b = servers.get(1);
    JsonNode before = adminJson(b, "/admin/flags");
    assertThat(before.path("source").asText()).isEqualTo("postgres");
    long v0 = before.path("version").asLong();

    long start = System.nanoTime();
    HttpResponse<String> put =
        admin(a, "PUT", "/admin/flags/GetRepl", "{\"mode\": \"NEW_PRIMARY\", \"who\": \"alice\"}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              for (JsonNode f : adminJson(b, "/admin/flags").path("apis")) {
                if (f.path("operation").asText().equals("GetRepl")) {
                  return f.path("configured").asText().equals("NEW_PRIMARY");
                }
              }
              return false;
            });
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMs).isLessThan(2000);

    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () -> {
              JsonNode flags = adminJson(b, "/admin/flags");
              assertThat(flags.path("version").asLong()).isEqualTo(v0 + 1);
              assertThat(flags.path("fleet").findValuesAsText("instance"))
                  .containsExactly("proxy-a", "proxy-b");
              assertThat(flags.path("fleet").findValues("version"))
                  .extracting(JsonNode::asLong)
                  .containsOnly(v0 + 1);
              assertThat(flags.path("fleet").findValuesAsText("digest"))
                  .containsOnly(flags.path("digest").asText());
            });
  }
}
