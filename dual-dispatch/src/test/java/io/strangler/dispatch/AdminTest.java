package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminTest {
  private final KvStores stores;
  private final TestProxy proxy;

  AdminTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
    AdminRoutes routes =
        AdminRoutes.builder()
            .get(
                "/admin/things/{name}",
                r -> {
                  ObjectNode n = TestProxy.JSON.createObjectNode();
                  n.put("name", r.pathParam("name"));
                  n.put("verbose", r.queryParam("verbose").orElse("no"));
                  n.put("who", r.header("X-Admin-User").orElse("anonymous"));
                  return AdminResponse.ok(n);
                })
            .get(
                "/admin/things/special",
                r -> AdminResponse.ok(TestProxy.JSON.createObjectNode().put("special", true)))
            .put(
                "/admin/things/{name}",
                r -> {
                  if (!r.hasBody()) {
                    return AdminResponse.error(400, "INVALID_ARGUMENT", "a body is required");
                  }
                  ObjectNode n = TestProxy.JSON.createObjectNode();
                  n.put("name", r.pathParam("name"));
                  n.set("stored", r.body());
                  return AdminResponse.ok(n);
                })
            .get(
                "/metrics",
                r -> AdminResponse.text(200, "text/plain; version=0.0.4", "calls_total 3\n"))
            .get(
                "/admin/page",
                r ->
                    AdminResponse.ok(
                        TestProxy.JSON
                            .createObjectNode()
                            .put("limit", r.intParam("limit", 1, 1000, 100))))
            .get(
                "/admin/broken",
                r -> {
                  throw new IllegalStateException("no database");
                })
            .openGet(
                "/page",
                r ->
                    AdminResponse.bytes(
                        200,
                        "text/html; charset=utf-8",
                        "<p>hi</p>".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .build();
    proxy =
        TestProxy.start(
            TestProxy.config().adminBindAddress("127.0.0.1").build(),
            new FakeFlags(Mode.LEGACY_ONLY),
            stores.redis,
            stores.postgres,
            OutcomeSink.noop(),
            routes);
  }

  @AfterAll
  void close() {
    proxy.close();
    stores.close();
  }

  private HttpResponse<String> admin(HttpRequest.Builder b) {
    return proxy.send(b.build());
  }

  private HttpRequest.Builder authed(String path) {
    return HttpRequest.newBuilder(proxy.adminUri(path))
        .header("Authorization", "Bearer " + TestProxy.TOKEN);
  }

  @Test
  void queryParameterThatIsNotAnIntegerInRange_is400NamingIt() {
    for (String bad : new String[] {"abc", "0", "1001", "-1", "1e3", "99999999999", ""}) {
      HttpResponse<String> r = admin(authed("/admin/page?limit=" + bad));

      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(json(r).get("code").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(json(r).get("message").asText())
          .contains("query parameter 'limit' must be an integer 1..1000");
    }
  }

  @Test
  void queryParameterInRangeOrAbsent_isUsed() {
    assertThat(json(admin(authed("/admin/page?limit=7"))).get("limit").asInt()).isEqualTo(7);
    assertThat(json(admin(authed("/admin/page"))).get("limit").asInt()).isEqualTo(100);
  }

  @Test
  void adminWithoutToken_is401() {
    HttpResponse<String> r = admin(HttpRequest.newBuilder(proxy.adminUri("/admin/things/a")));

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(json(r).get("code").asText()).isEqualTo("UNAUTHENTICATED");
  }

  @Test
  void openRoute_isServedWithoutToken_butOnlyForGet() {
    HttpResponse<String> page = admin(HttpRequest.newBuilder(proxy.adminUri("/page")));
    HttpResponse<String> post =
        admin(
            HttpRequest.newBuilder(proxy.adminUri("/page"))
                .POST(HttpRequest.BodyPublishers.noBody()));

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("<p>hi</p>");
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(post.statusCode()).isEqualTo(401);
  }

  @Test
  void adminWithAWrongToken_is401() {
    HttpResponse<String> wrong =
        admin(
            HttpRequest.newBuilder(proxy.adminUri("/admin/things/a"))
                .header("Authorization", "Bearer " + TestProxy.TOKEN + "x"));
    HttpResponse<String> notBearer =
        admin(
            HttpRequest.newBuilder(proxy.adminUri("/admin/things/a"))
                .header("Authorization", TestProxy.TOKEN));

    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(notBearer.statusCode()).isEqualTo(401);
  }

  @Test
  void adminWithToken_servesTheMountedRouteWithItsParameters() {
    HttpResponse<String> r =
        admin(authed("/admin/things/flags?verbose=yes").header("X-Admin-User", "ana"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(json(r).get("name").asText()).isEqualTo("flags");
    assertThat(json(r).get("verbose").asText()).isEqualTo("yes");
    assertThat(json(r).get("who").asText()).isEqualTo("ana");
  }

  @Test
  void aLiteralSegment_winsOverAParameter() {
    HttpResponse<String> r = admin(authed("/admin/things/special"));

    assertThat(json(r).get("special").asBoolean()).isTrue();
  }

  @Test
  void putRoute_getsTheJsonBody() {
    HttpResponse<String> r =
        admin(
            authed("/admin/things/GetRepl")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"SHADOW\"}")));
    HttpResponse<String> empty =
        admin(authed("/admin/things/GetRepl").PUT(HttpRequest.BodyPublishers.noBody()));
    HttpResponse<String> malformed =
        admin(
            authed("/admin/things/GetRepl").PUT(HttpRequest.BodyPublishers.ofString("{\"mode\"")));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("stored").get("mode").asText()).isEqualTo("SHADOW");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(json(malformed).get("message").asText()).startsWith("malformed JSON");
  }

  @Test
  void textRoute_keepsItsContentType() {
    HttpResponse<String> r = admin(authed("/metrics"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4");
    assertThat(r.body()).isEqualTo("calls_total 3\n");
  }

  @Test
  void unknownRoute_is404_wrongMethod_is405_failingHandler_is500() {
    HttpResponse<String> unknown = admin(authed("/admin/nothing"));
    HttpResponse<String> wrongMethod =
        admin(authed("/metrics").POST(HttpRequest.BodyPublishers.noBody()));
    HttpResponse<String> broken = admin(authed("/admin/broken"));

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
    assertThat(broken.statusCode()).isEqualTo(500);
    assertThat(json(broken).get("message").asText()).contains("no database");
  }

  @Test
  void dispatchStats_areMountedByTheProxy() {
    HttpResponse<String> r = admin(authed("/admin/dispatch"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("shadowBudget").asInt()).isEqualTo(1024);
  }

  @Test
  void adminPort_isLoopbackAndSeparateFromTheApiPort() {
    HttpResponse<String> onApiPort =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/admin/things/a"))
                .header("Authorization", "Bearer " + TestProxy.TOKEN)
                .build());

    assertThat(proxy.server.adminAddress().getAddress().isLoopbackAddress()).isTrue();
    assertThat(proxy.server.adminPort()).isNotEqualTo(proxy.server.port());
    assertThat(onApiPort.statusCode()).isEqualTo(404);
  }
}
