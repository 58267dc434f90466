package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.get;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.testing.DelayingBackend;
import io.strangler.dispatch.testing.GatedBackend;
import io.strangler.dispatch.testing.RecordingSink;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** A slow, full or failing shadow never reaches the client. */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShadowIsolationTest {
  private final KvStores stores;

  ShadowIsolationTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
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

  @Test
  void shadowSlowedTo200ms_leavesTheClientsP99WithinTenMillisOfAuthoritativeOnly()
      throws Exception {
    for (int k = 0; k < 50; k++) {
      stores.redis.seed("key-" + k, "v");
      stores.postgres.seed("key-" + k, "v");
    }
    FakeFlags flags = new FakeFlags(Mode.LEGACY_ONLY);
    CountingSink counts = new CountingSink();
    Backend slowNew = new DelayingBackend(stores.postgres, Duration.ofMillis(200));
    ProxyConfig config = TestProxy.config().shadowBudget(4096).build();
    try (TestProxy proxy =
        TestProxy.start(config, flags, stores.redis, slowNew, counts, AdminRoutes.empty())) {
      load(proxy, 4, 50); // warm-up: JIT, connections, pools

      long[] alone = load(proxy, 4, 150);
      flags.setDefault(Mode.SHADOW);
      long[] shadowed = load(proxy, 4, 150);

      long p99Alone = percentile(alone, 0.99);
      long p99Shadowed = percentile(shadowed, 0.99);
      assertThat(p99Shadowed)
          .as("p99 with a 200 ms shadow (%d us) vs authoritative only (%d us)",
              p99Shadowed / 1000, p99Alone / 1000)
          .isLessThanOrEqualTo(p99Alone + Duration.ofMillis(10).toNanos());
      // The shadow really ran, slowly, for every call of the second phase.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> counts.count(CountingSink.Role.SHADOW, "answer") == shadowed.length);
      assertThat(proxy.server.stats().shadowDropped()).isZero();
    }
  }

  /** Runs {@code perThread} calls (reads and writes) on each of {@code threads}; latencies in ns. */
  private static long[] load(TestProxy proxy, int threads, int perThread) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<long[]>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        parts.add(
            pool.submit(
                () -> {
                  long[] out = new long[perThread];
                  for (int i = 0; i < perThread; i++) {
                    String key = "key-" + ((thread * 31 + i) % 50);
                    long start = System.nanoTime();
                    HttpResponse<String> r =
                        i % 2 == 0
                            ? proxy.post("Get", get(key))
                            : proxy.post("Put", put(key, "v" + i));
                    out[i] = System.nanoTime() - start;
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                  }
                  return out;
                }));
      }
      long[] all = new long[threads * perThread];
      for (int t = 0; t < threads; t++) {
        System.arraycopy(parts.get(t).get(), 0, all, t * perThread, perThread);
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.ceil(p * sorted.length) - 1];
  }

  @Test
  void fullShadowBudget_dropsAndCountsShadowCallsWithoutDelayingClients() {
    stores.redis.seed("k", "v");
    GatedBackend gatedNew = new GatedBackend(stores.postgres);
    CountingSink counts = new CountingSink();
    ProxyConfig config = TestProxy.config().shadowBudget(2).build();
    try (TestProxy proxy =
        TestProxy.start(
            config, new FakeFlags(Mode.SHADOW), stores.redis, gatedNew, counts, AdminRoutes.empty())) {
      for (int i = 0; i < 5; i++) {
        // Each answers while the shadow calls stay blocked behind the gate.
        assertThat(proxy.post("Get", get("k")).statusCode()).isEqualTo(200);
      }

      await().until(() -> counts.count("Get", CountingSink.Role.SHADOW, "dropped_shadow_budget_full") == 3);
      assertThat(proxy.server.stats().shadowDropped()).isEqualTo(3);
      assertThat(proxy.server.stats().shadowCallsPending()).isEqualTo(2);
      assertThat(gatedNew.entered()).isEqualTo(2);

      gatedNew.open();
      await().until(() -> proxy.server.stats().shadowCallsPending() == 0);
      await().until(() -> counts.exchanges() == 5);
      // Both held shadow reads ran: the postgres store has no "k", so they answer NOT_FOUND.
      assertThat(counts.count("Get", CountingSink.Role.SHADOW, "failure")).isEqualTo(2);
      assertThat(counts.count("Get", CountingSink.Role.AUTHORITATIVE, "answer")).isEqualTo(5);
    }
  }

  @Test
  void shadowTimeout_isReportedPerOperationAndTheBudgetIsHeldUntilTheCallReturns() {
    stores.redis.seed("k", "v");
    stores.postgres.seed("k", "v");
    RecordingSink sink = new RecordingSink();
    Backend slowNew = new DelayingBackend(stores.postgres, Duration.ofMillis(400));
    ProxyConfig config = TestProxy.config().shadowTimeout("Get", Duration.ofMillis(50)).build();
    try (TestProxy proxy =
        TestProxy.start(
            config, new FakeFlags(Mode.SHADOW), stores.redis, slowNew, sink, AdminRoutes.empty())) {
      HttpResponse<String> r = proxy.post("Get", get("k"), "slow-1");

      assertThat(r.statusCode()).isEqualTo(200);
      await().until(() -> sink.byRequestId("slow-1") != null);
      assertThat(sink.byRequestId("slow-1").shadow())
          .isEqualTo(new Outcome.TimedOut(Duration.ofMillis(50)));
      assertThat(proxy.server.stats().shadowTimedOut()).isEqualTo(1);
      assertThat(proxy.server.stats().shadowCallsPending()).isEqualTo(1);
      await().until(() -> proxy.server.stats().shadowCallsPending() == 0);
      assertThat(sink.size()).isEqualTo(1);
    }
  }

  @Test
  void tooManyCallsInFlight_areAnsweredUnavailableAtOnce() throws Exception {
    GatedBackend gatedLegacy = new GatedBackend(stores.redis);
    CountingSink counts = new CountingSink();
    ProxyConfig config = TestProxy.config().maxInFlightCalls(1).build();
    try (TestProxy proxy =
        TestProxy.start(
            config, new FakeFlags(Mode.LEGACY_ONLY), gatedLegacy, stores.postgres, counts, AdminRoutes.empty())) {
      var held = proxy.http.sendAsync(proxy.request("Put", put("a", "1")).build(), HttpResponse.BodyHandlers.ofString());
      await().until(() -> gatedLegacy.entered() == 1);

      HttpResponse<String> refused = proxy.post("Put", put("b", "2"));

      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(TestProxy.json(refused).get("message").asText()).contains("overloaded");
      assertThat(proxy.server.stats().overloaded()).isEqualTo(1);
      gatedLegacy.open();
      assertThat(held.get().statusCode()).isEqualTo(200);
      assertThat(stores.redis.value("b")).isNull();
    }
  }
}
