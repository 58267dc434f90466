package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.testing.DelayingBackend;
import io.strangler.dispatch.testing.GatedBackend;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShutdownTest {
  private final KvStores stores;

  ShutdownTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
  }

  @BeforeEach
  void clean() {
    stores.flush();
  }

  @AfterAll
  void close() {
    stores.close();
  }

  private static boolean refusesConnections(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Test
  void shutdown_stopsAcceptingButFinishesTheCallInFlight() throws Exception {
    GatedBackend gatedLegacy = new GatedBackend(stores.redis);
    TestProxy proxy =
        TestProxy.start(new FakeFlags(Mode.LEGACY_ONLY), gatedLegacy, stores.postgres, OutcomeSink.noop());
    int port = proxy.server.port();
    CompletableFuture<HttpResponse<String>> inFlight =
        proxy.http.sendAsync(proxy.request("Put", put("k", "v")).build(), HttpResponse.BodyHandlers.ofString());
    await().until(() -> gatedLegacy.entered() == 1);

    CompletableFuture<Boolean> shutdown =
        CompletableFuture.supplyAsync(() -> proxy.server.shutdown(Duration.ofSeconds(20)));
    await().until(() -> refusesConnections(port));
    assertThat(shutdown).isNotDone();
    assertThat(inFlight).isNotDone();

    gatedLegacy.open();

    HttpResponse<String> r = inFlight.get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Connection")).hasValue("close");
    assertThat(shutdown.get()).isTrue();
    assertThat(stores.redis.value("k")).isEqualTo("v");
    proxy.http.close();
  }

  @Test
  void shutdown_waitsForPendingShadowWrites() {
    Backend slowNew = new DelayingBackend(stores.postgres, Duration.ofMillis(100));
    TestProxy proxy = TestProxy.start(new FakeFlags(Mode.SHADOW), stores.redis, slowNew, OutcomeSink.noop());
    for (int i = 0; i < 8; i++) {
      assertThat(proxy.post("Put", put("k", "v" + i)).statusCode()).isEqualTo(200);
    }
    assertThat(proxy.server.stats().shadowCallsPending()).isPositive();

    boolean clean = proxy.server.shutdown(Duration.ofSeconds(20));

    assertThat(clean).isTrue();
    assertThat(proxy.server.stats().shadowCallsPending()).isZero();
    assertThat(stores.postgres.history("k")).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
    proxy.http.close();
  }

  @Test
  void shutdown_givesUpAfterTheGraceAndSaysSo() {
    GatedBackend gatedNew = new GatedBackend(stores.postgres);
    TestProxy proxy = TestProxy.start(new FakeFlags(Mode.SHADOW), stores.redis, gatedNew, OutcomeSink.noop());
    assertThat(proxy.post("Put", put("k", "v")).statusCode()).isEqualTo(200);
    await().until(() -> gatedNew.entered() == 1);

    boolean clean = proxy.server.shutdown(Duration.ofMillis(200));

    assertThat(clean).isFalse();
    gatedNew.open();
    proxy.http.close();
  }
}
