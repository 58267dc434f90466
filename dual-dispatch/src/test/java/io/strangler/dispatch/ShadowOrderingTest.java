package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.get;
import static io.strangler.dispatch.TestProxy.json;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.testing.DelayingBackend;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Shadow writes of one entity apply in the authoritative order, even across a mode flip. */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShadowOrderingTest {
  private final KvStores stores;

  ShadowOrderingTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
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
  void shadowWritesOfOneEntity_applyInTheOrderTheAuthoritativeAppliedThem() throws Exception {
    Random random = new Random(42);
    // Random shadow delays would reorder the writes of a key if nothing kept them in order.
    Backend jitteryNew =
        new DelayingBackend(
            stores.postgres,
            () -> {
              synchronized (random) {
                return Duration.ofMillis(random.nextInt(8));
              }
            });
    int writes = 120;
    List<String> keys = List.of("hot", "k1", "k2", "k3");
    try (TestProxy proxy = TestProxy.start(new FakeFlags(Mode.SHADOW), stores.redis, jitteryNew, OutcomeSink.noop())) {
      ExecutorService clients = Executors.newFixedThreadPool(keys.size());
      try {
        List<Future<?>> done = new ArrayList<>();
        for (String key : keys) {
          done.add(
              clients.submit(
                  () -> {
                    for (int i = 0; i < writes; i++) {
                      HttpResponse<String> r = proxy.post("Put", put(key, String.format("%03d", i)));
                      assertThat(r.statusCode()).isEqualTo(200);
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        clients.shutdownNow();
      }

      List<String> expected = new ArrayList<>();
      for (int i = 0; i < writes; i++) {
        expected.add(String.format("%03d", i));
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> keys.stream().allMatch(k -> stores.postgres.history(k).size() == writes));
      for (String key : keys) {
        assertThat(stores.redis.history(key)).as("legacy order of %s", key).isEqualTo(expected);
        assertThat(stores.postgres.history(key)).as("shadow order of %s", key).isEqualTo(expected);
        assertThat(stores.postgres.value(key)).isEqualTo(stores.redis.value(key)).isEqualTo("119");
      }
      assertThat(proxy.server.stats().busyEntities()).isZero();
    }
  }

  @Test
  void afterAFlipToNewPrimary_callsToTheNewBackendWaitForItsQueuedShadowWrites() {
    FakeFlags flags = new FakeFlags(Mode.SHADOW);
    // Only writes are slow: an unordered read would overtake the queued write and miss it.
    Backend slowNew = DelayingBackend.onlyFor("Put", stores.postgres, Duration.ofMillis(300));
    try (TestProxy proxy = TestProxy.start(flags, stores.redis, slowNew, OutcomeSink.noop())) {
      assertThat(proxy.post("Put", put("k", "written-in-shadow")).statusCode()).isEqualTo(200);
      assertThat(stores.postgres.value("k")).as("the shadow write is still on its way").isNull();

      flags.setDefault(Mode.NEW_PRIMARY);
      HttpResponse<String> read = proxy.post("Get", get("k"));

      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      assertThat(json(read).get("value").asText()).isEqualTo("written-in-shadow");
    }
  }
}
