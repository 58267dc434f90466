package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.json;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strangler.dispatch.testing.CountingBackend;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What an instance behind a load balancer tells it: who served, the routing key, when to drain. */
@ExtendWith(RealServers.class)
class FleetHeadersTest {
  private final KvStores stores;
  private final CountingBackend legacy;
  private final CountingBackend newer;
  private TestProxy proxy;

  FleetHeadersTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
    legacy = new CountingBackend(stores.redis);
    newer = new CountingBackend(stores.postgres);
  }

  @BeforeEach
  void start() {
    stores.flush();
    proxy =
        TestProxy.start(
            TestProxy.config().instanceId("proxy-a:8080").build(),
            new FakeFlags(Mode.LEGACY_ONLY),
            legacy,
            newer,
            new CountingSink(),
            AdminRoutes.empty());
  }

  @AfterEach
  void stop() {
    proxy.close();
    stores.close();
  }

  @Test
  void everyAnswer_saysWhichInstanceServedIt_errorsToo() {
    HttpResponse<String> ok = proxy.post("Put", put("k", "v"));
    HttpResponse<String> bad = proxy.post("Put", "{\"nokey\": 1}");

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("X-Served-By")).hasValue("proxy-a:8080");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("X-Served-By")).hasValue("proxy-a:8080");
  }

  @Test
  void withoutAnInstanceId_thereIsNoHeader() {
    try (TestProxy anonymous =
        TestProxy.start(new FakeFlags(Mode.LEGACY_ONLY), legacy, newer, new CountingSink())) {
      assertThat(anonymous.post("Put", put("k", "v")).headers().firstValue("X-Served-By"))
          .isEmpty();
    }
  }

  @Test
  void aRoutingKey_isTakenWhenWellFormed_andAMalformedOneIsRefusedBeforeAnyBackend() {
    HttpResponse<String> keyed =
        proxy.send(proxy.request("Put", put("k", "v")).header("X-Routing-Key", "repl-42").build());
    int before = legacy.calls();
    HttpResponse<String> tooLong =
        proxy.send(
            proxy.request("Put", put("k", "v")).header("X-Routing-Key", "r".repeat(129)).build());

    assertThat(keyed.statusCode()).isEqualTo(200);
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(json(tooLong).get("code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(json(tooLong).get("message").asText()).contains("X-Routing-Key");
    assertThat(legacy.calls()).isEqualTo(before);
  }

  @Test
  void stopReadiness_failsTheHealthCheck_whileCallsAreStillServed() {
    HttpRequest readyz = HttpRequest.newBuilder(proxy.uri("/readyz")).build();
    assertThat(proxy.send(readyz).statusCode()).isEqualTo(200);

    proxy.server.stopReadiness();

    HttpResponse<String> probe = proxy.send(readyz);
    assertThat(probe.statusCode()).isEqualTo(503);
    assertThat(json(probe).get("status").asText()).isEqualTo("draining");
    assertThat(proxy.post("Put", put("k", "v2")).statusCode()).isEqualTo(200);
  }

  @Test
  void anInstanceIdWithSpaces_isRefusedByTheConfig() {
    assertThatThrownBy(() -> TestProxy.config().instanceId("a b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("instanceId");
  }
}
