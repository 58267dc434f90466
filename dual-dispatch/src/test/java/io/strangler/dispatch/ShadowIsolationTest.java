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
  void shadowSlowedTo200ms_leavesTheClientsLatencyAsWithAuthoritativeOnly() throws Exception {
    Duration shadowDelay = Duration.ofMillis(200);
    for (int k = 0; k < 50; k++) {
      stores.redis.seed("key-" + k, "v");
      stores.postgres.seed("key-" + k, "v");
    }
    CountingSink counts = new CountingSink();
    Backend slowNew = new DelayingBackend(stores.postgres, shadowDelay);
    // Enough shadow threads that 200 ms calls keep up: this test is about latency, not drops.
    ProxyConfig config = TestProxy.config().shadowBudget(4096).shadowThreads(1024).build();
    // Two proxies over the same stores, one without and one with the slow shadow, called in
    // turns by the same clients: both see the same load of the machine, request by request, so
    // the bounds below are relative to what the proxy without a shadow got at the same moments.
    try (TestProxy alone =
            TestProxy.start(
                config,
                new FakeFlags(Mode.LEGACY_ONLY),
                stores.redis,
                slowNew,
                OutcomeSink.noop(),
                AdminRoutes.empty());
        TestProxy shadowed =
            TestProxy.start(
                config,
                new FakeFlags(Mode.SHADOW),
                stores.redis,
                slowNew,
                counts,
                AdminRoutes.empty())) {
      long warmShadowCalls = load(alone, shadowed, 2, 100)[1].length; // JIT, connections, pools

      long[][] latencies = load(alone, shadowed, 2, 600);

      long p50Alone = percentile(latencies[0], 0.50);
      long p50Shadowed = percentile(latencies[1], 0.50);
      long p99Alone = percentile(latencies[0], 0.99);
      long p99Shadowed = percentile(latencies[1], 0.99);
      String figures =
          String.format(
              "with a 200 ms shadow p50 %d us, p99 %d us; authoritative only p50 %d us, p99 %d us",
              p50Shadowed / 1000, p99Shadowed / 1000, p50Alone / 1000, p99Alone / 1000);
      // A shadow on the client's path would put every call at 200 ms or more: the share of calls
      // that slow is what the shadow would show as, and it must be no larger than without one.
      long slowAlone = atLeast(latencies[0], shadowDelay.toNanos());
      long slowShadowed = atLeast(latencies[1], shadowDelay.toNanos());
      assertThat(slowShadowed)
          .as("calls of 200 ms or more (%d without the shadow); %s", slowAlone, figures)
          .isLessThanOrEqualTo(slowAlone + latencies[1].length / 100);
      assertThat(p50Shadowed)
          .as(figures)
          .isLessThanOrEqualTo(p50Alone + Math.max(p50Alone / 2, Duration.ofMillis(2).toNanos()));
      // The tail: within 10 ms of the proxy without a shadow, or (on a loaded machine, whose tail
      // is its own) within half of it again.
      assertThat(p99Shadowed)
          .as(figures)
          .isLessThanOrEqualTo(p99Alone + Math.max(p99Alone / 2, Duration.ofMillis(10).toNanos()));
      // The shadow really ran, slowly, for every call made in SHADOW mode.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  counts.count(CountingSink.Role.SHADOW, "answer")
                      == warmShadowCalls + latencies[1].length);
      assertThat(shadowed.server.stats().shadowDropped()).isZero();
    }
  }

  /**
   * Runs {@code perThread} pairs of calls (reads and writes) on each of {@code threads}: each pair
   * makes the same call on {@code a} and on {@code b}, in alternating order. Latencies in ns, of a
   * then of b.
   */
  private static long[][] load(TestProxy a, TestProxy b, int threads, int perThread)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<long[][]>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        parts.add(
            pool.submit(
                () -> {
                  long[][] out = new long[2][perThread];
                  for (int i = 0; i < perThread; i++) {
                    String key = "key-" + ((thread * 31 + i) % 50);
                    String op = i % 2 == 0 ? "Get" : "Put";
                    String body = i % 2 == 0 ? get(key) : put(key, "v" + i);
                    boolean aFirst = (i / 2) % 2 == 0;
                    out[aFirst ? 0 : 1][i] = timed(aFirst ? a : b, op, body);
                    out[aFirst ? 1 : 0][i] = timed(aFirst ? b : a, op, body);
                  }
                  return out;
                }));
      }
      long[][] all = new long[2][threads * perThread];
      for (int t = 0; t < threads; t++) {
        long[][] part = parts.get(t).get();
        System.arraycopy(part[0], 0, all[0], t * perThread, perThread);
        System.arraycopy(part[1], 0, all[1], t * perThread, perThread);
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long timed(TestProxy proxy, String op, String body) {
    long start = System.nanoTime();
    HttpResponse<String> r = proxy.post(op, body);
    long took = System.nanoTime() - start;
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return took;
  }

  private static long atLeast(long[] values, long bound) {
    return Arrays.stream(values).filter(v -> v >= bound).count();
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
            config,
            new FakeFlags(Mode.SHADOW),
            stores.redis,
            gatedNew,
            counts,
            AdminRoutes.empty())) {
      for (int i = 0; i < 5; i++) {
        // Each answers while the shadow calls stay blocked behind the gate.
        assertThat(proxy.post("Get", get("k")).statusCode()).isEqualTo(200);
      }

      await()
          .until(
              () ->
                  counts.count("Get", CountingSink.Role.SHADOW, "dropped_shadow_budget_full") == 3);
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
            config,
            new FakeFlags(Mode.LEGACY_ONLY),
            gatedLegacy,
            stores.postgres,
            counts,
            AdminRoutes.empty())) {
      var held =
          proxy.http.sendAsync(
              proxy.request("Put", put("a", "1")).build(), HttpResponse.BodyHandlers.ofString());
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
