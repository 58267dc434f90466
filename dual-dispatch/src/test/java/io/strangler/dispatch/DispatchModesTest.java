package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.get;
import static io.strangler.dispatch.TestProxy.json;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.kv.RedisKvBackend;
import io.strangler.dispatch.testing.CountingBackend;
import io.strangler.dispatch.testing.RecordingSink;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DispatchModesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final KvStores stores;
  private final CountingBackend legacy;
  private final CountingBackend newer;
  private final RecordingSink sink = new RecordingSink();

  DispatchModesTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
    legacy = new CountingBackend(stores.redis);
    newer = new CountingBackend(stores.postgres);
  }

  @BeforeEach
  void clean() {
    stores.flush();
    legacy.reset();
    newer.reset();
    sink.clear();
  }

  @AfterAll
  void closeStores() {
    stores.close();
  }

  private Exchange awaitExchange(String requestId) {
    await().atMost(WAIT).until(() -> sink.byRequestId(requestId) != null);
    return sink.byRequestId(requestId);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void get_inEachMode_answersFromTheAuthoritativeBackendAndShadowsOnlyInDualModes(Mode mode) {
    stores.redis.seed("k", "from-legacy");
    stores.postgres.seed("k", "from-new");
    boolean legacyRules = mode.authoritative() == Mode.Backend.LEGACY;
    String expected = legacyRules ? "from-legacy" : "from-new";
    String other = legacyRules ? "from-new" : "from-legacy";

    try (TestProxy proxy = TestProxy.start(new FakeFlags(mode), legacy, newer, sink)) {
      HttpResponse<String> r = proxy.post("Get", get("k"), "get-" + mode);

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).get("value").asText()).isEqualTo(expected);
      Exchange e = awaitExchange("get-" + mode);
      assertThat(e.mode()).isEqualTo(mode);
      assertThat(e.kind()).isEqualTo(ApiSpec.Kind.READ);
      assertThat(e.request().get("key").asText()).isEqualTo("k");
      assertThat(e.authoritative())
          .isInstanceOfSatisfying(
              Outcome.Answer.class, a -> assertThat(a.body().get("value").asText()).isEqualTo(expected));
      if (mode.isDual()) {
        assertThat(e.shadow())
            .isInstanceOfSatisfying(
                Outcome.Answer.class, a -> assertThat(a.body().get("value").asText()).isEqualTo(other));
        assertThat(((Outcome.Answer) e.legacy()).body().get("value").asText())
            .isEqualTo("from-legacy");
        assertThat(((Outcome.Answer) e.newer()).body().get("value").asText())
            .isEqualTo("from-new");
        assertThat(legacy.calls()).isEqualTo(1);
        assertThat(newer.calls()).isEqualTo(1);
      } else {
        assertThat(e.shadow()).isEqualTo(Outcome.NOT_CALLED);
        assertThat(legacyRules ? newer.calls() : legacy.calls()).isZero();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void put_inEachMode_writesTheAuthoritativeBeforeAnsweringAndTheShadowOnlyInDualModes(Mode mode) {
    boolean legacyRules = mode.authoritative() == Mode.Backend.LEGACY;

    try (TestProxy proxy = TestProxy.start(new FakeFlags(mode), legacy, newer, sink)) {
      HttpResponse<String> r = proxy.post("Put", put("k", "v1"), "put-" + mode);

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r)).isEqualTo(TestProxy.JSON.createObjectNode().put("key", "k").put("value", "v1"));
      String authoritativeValue = legacyRules ? stores.redis.value("k") : stores.postgres.value("k");
      assertThat(authoritativeValue).isEqualTo("v1");
      Exchange e = awaitExchange("put-" + mode);
      assertThat(e.kind()).isEqualTo(ApiSpec.Kind.WRITE);
      assertThat(e.authoritative()).isInstanceOf(Outcome.Answer.class);
      String shadowValue = legacyRules ? stores.postgres.value("k") : stores.redis.value("k");
      if (mode.isDual()) {
        assertThat(e.shadow()).isInstanceOf(Outcome.Answer.class);
        assertThat(shadowValue).isEqualTo("v1");
      } else {
        assertThat(e.shadow()).isEqualTo(Outcome.NOT_CALLED);
        assertThat(shadowValue).isNull();
        assertThat(legacyRules ? newer.calls() : legacy.calls()).isZero();
      }
    }
  }

  @Test
  void requestId_fromHeaderOrSupplier_isStampedOnBothBackendsWithTheProxyClockAndEchoed() {
    Instant now = Instant.parse("2026-11-21T07:00:00.123456Z");
    AtomicInteger ids = new AtomicInteger();
    ProxyConfig config =
        TestProxy.config()
            .clock(Clock.fixed(now, ZoneOffset.UTC))
            .idSupplier(() -> "generated-" + ids.incrementAndGet())
            .build();
    try (TestProxy proxy =
        TestProxy.start(
            config, new FakeFlags(Mode.SHADOW), legacy, newer, sink, AdminRoutes.empty())) {
      HttpResponse<String> given = proxy.post("Put", put("k", "v"), "client-id-1");
      HttpResponse<String> generated = proxy.post("Put", put("k", "w"));

      assertThat(given.headers().firstValue("X-Request-Id")).hasValue("client-id-1");
      assertThat(generated.headers().firstValue("X-Request-Id")).hasValue("generated-1");
      awaitExchange("generated-1");
      Stamp expected1 = new Stamp("client-id-1", Instant.parse("2026-11-21T07:00:00.123Z"));
      Stamp expected2 = new Stamp("generated-1", Instant.parse("2026-11-21T07:00:00.123Z"));
      assertThat(legacy.stamps()).containsExactly(expected1, expected2);
      assertThat(newer.stamps()).containsExactly(expected1, expected2);
      assertThat(sink.byRequestId("client-id-1").now()).isEqualTo(expected1.now());
    }
  }

  @Test
  void killSwitches_overrideTheModeAndKillingBothAnswersUnavailable() {
    FakeFlags flags = new FakeFlags(Mode.SHADOW);
    try (TestProxy proxy = TestProxy.start(flags, legacy, newer, sink)) {
      flags.killNew(true);
      assertThat(proxy.post("Put", put("a", "1"), "kill-new").statusCode()).isEqualTo(200);
      assertThat(awaitExchange("kill-new").mode()).isEqualTo(Mode.LEGACY_ONLY);
      assertThat(stores.redis.value("a")).isEqualTo("1");
      assertThat(stores.postgres.value("a")).isNull();

      flags.killNew(false).killLegacy(true);
      assertThat(proxy.post("Put", put("b", "2"), "kill-legacy").statusCode()).isEqualTo(200);
      assertThat(awaitExchange("kill-legacy").mode()).isEqualTo(Mode.NEW_ONLY);
      assertThat(stores.postgres.value("b")).isEqualTo("2");
      assertThat(stores.redis.value("b")).isNull();

      flags.killNew(true);
      legacy.reset();
      newer.reset();
      HttpResponse<String> both = proxy.post("Get", get("a"), "kill-both");
      assertThat(both.statusCode()).isEqualTo(503);
      assertThat(json(both).get("code").asText()).isEqualTo("UNAVAILABLE");
      assertThat(json(both).get("message").asText()).contains("both backends killed");
      assertThat(legacy.calls() + newer.calls()).isZero();
    }
  }

  @Test
  void authoritativeDown_answersUnavailableNamingIt_andItsShadowWriteIsNotSent() {
    CountingSink counts = new CountingSink();
    try (RedisKvBackend dead = KvStores.deadRedis("legacy-redis");
        TestProxy proxy =
            TestProxy.start(new FakeFlags(Mode.SHADOW), dead, newer, counts.andThen(sink))) {
      HttpResponse<String> r = proxy.post("Put", put("k", "v"), "down-1");

      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(json(r).get("code").asText()).isEqualTo("UNAVAILABLE");
      assertThat(json(r).get("message").asText()).startsWith("legacy-redis is unavailable");
      Exchange e = awaitExchange("down-1");
      assertThat(e.shadow())
          .isEqualTo(new Outcome.Dropped(Outcome.DropReason.AUTHORITATIVE_FAILED));
      assertThat(newer.calls()).isZero();
      assertThat(stores.postgres.value("k")).isNull();
      assertThat(counts.count("Put", CountingSink.Role.SHADOW, "dropped_authoritative_failed"))
          .isEqualTo(1);
      assertThat(proxy.server.stats().shadowNotSent()).isEqualTo(1);
    }
  }

  @Test
  void authoritativeWriteRejected_passesItsErrorThroughAndSendsNoShadowWrite() {
    stores.redis.seed("taken", "old");
    CountingSink counts = new CountingSink();
    try (TestProxy proxy =
        TestProxy.start(new FakeFlags(Mode.SHADOW), legacy, newer, counts.andThen(sink))) {
      HttpResponse<String> r = proxy.post("Create", put("taken", "new"), "create-1");

      assertThat(r.statusCode()).isEqualTo(409);
      assertThat(json(r).get("code").asText()).isEqualTo("ALREADY_EXISTS");
      assertThat(json(r).get("message").asText()).isEqualTo("key 'taken' already exists");
      awaitExchange("create-1");
      assertThat(newer.calls()).isZero();
      assertThat(stores.postgres.value("taken")).isNull();
      assertThat(counts.count("Create", CountingSink.Role.SHADOW, "dropped_authoritative_failed"))
          .isEqualTo(1);
      assertThat(counts.count("Create", CountingSink.Role.AUTHORITATIVE, "failure")).isEqualTo(1);
    }
  }

  @Test
  void shadowDown_clientSeesOnlyTheAuthoritativeAnswers() {
    try (RedisKvBackend dead = KvStores.deadRedis("new-redis");
        TestProxy proxy = TestProxy.start(new FakeFlags(Mode.SHADOW), legacy, dead, sink)) {
      HttpResponse<String> write = proxy.post("Put", put("k", "v"), "sd-put");
      HttpResponse<String> read = proxy.post("Get", get("k"), "sd-get");

      assertThat(write.statusCode()).isEqualTo(200);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(json(read).get("value").asText()).isEqualTo("v");
      for (String id : new String[] {"sd-put", "sd-get"}) {
        assertThat(awaitExchange(id).shadow())
            .isInstanceOfSatisfying(
                Outcome.Failure.class, f -> assertThat(f.code()).isEqualTo("UNAVAILABLE"));
      }
    }
  }

  @Test
  void healthAndReadiness_reportTheProcessAndBothBackends() {
    try (TestProxy up = TestProxy.start(new FakeFlags(Mode.SHADOW), legacy, newer, sink);
        RedisKvBackend dead = KvStores.deadRedis("new-redis");
        TestProxy halfDown = TestProxy.start(new FakeFlags(Mode.SHADOW), legacy, dead, sink)) {
      HttpResponse<String> health = up.send(java.net.http.HttpRequest.newBuilder(up.uri("/healthz")).build());
      HttpResponse<String> ready = up.send(java.net.http.HttpRequest.newBuilder(up.uri("/readyz")).build());
      HttpResponse<String> notReady =
          halfDown.send(java.net.http.HttpRequest.newBuilder(halfDown.uri("/readyz")).build());

      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(json(ready).get("ready").asBoolean()).isTrue();
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(json(notReady).get("new").asText()).isEqualTo("new-redis down");
      assertThat(json(notReady).get("legacy").asText()).isEqualTo("legacy up");
    }
  }
}
