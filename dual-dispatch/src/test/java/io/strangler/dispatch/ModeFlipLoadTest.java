package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.get;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.testing.RecordingSink;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModeFlipLoadTest {
  private final KvStores stores;

  ModeFlipLoadTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
  }

  @AfterAll
  void close() {
    stores.close();
  }

  @Test
  void modeFlips_underConcurrentLoad_failNoRequest() throws Exception {
    int keys = 40;
    for (int k = 0; k < keys; k++) {
      stores.redis.seed("key-" + k, "seed");
      stores.postgres.seed("key-" + k, "seed");
    }
    FakeFlags flags = new FakeFlags(Mode.LEGACY_ONLY);
    RecordingSink sink = new RecordingSink();
    Mode[] cycle = Mode.values();
    AtomicInteger sent = new AtomicInteger();
    int threads = 6;
    int perThread = 150;
    try (TestProxy proxy = TestProxy.start(flags, stores.redis, stores.postgres, sink)) {
      ExecutorService clients = Executors.newFixedThreadPool(threads);
      List<Future<List<String>>> results = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int thread = t;
          results.add(
              clients.submit(
                  () -> {
                    List<String> failures = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                      int n = sent.incrementAndGet();
                      if (n % 20 == 0) {
                        // Flipped while the other clients' calls are in flight.
                        flags.setDefault(cycle[(n / 20) % cycle.length]);
                      }
                      String key = "key-" + ((thread * 7 + i) % keys);
                      HttpResponse<String> r =
                          i % 3 == 0
                              ? proxy.post("Put", put(key, "t" + thread + "-" + i))
                              : proxy.post("Get", get(key));
                      if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                      }
                    }
                    return failures;
                  }));
        }
        List<String> failures = new ArrayList<>();
        for (Future<List<String>> f : results) {
          failures.addAll(f.get());
        }
        assertThat(failures).isEmpty();
      } finally {
        clients.shutdownNow();
      }

      await().until(() -> sink.size() == threads * perThread);
      Set<Mode> seen = EnumSet.noneOf(Mode.class);
      sink.exchanges().forEach(e -> seen.add(e.mode()));
      assertThat(seen).containsExactlyInAnyOrder(cycle);
      assertThat(sink.exchanges())
          .allSatisfy(e -> assertThat(e.authoritative()).isInstanceOf(Outcome.Answer.class));
    }
  }
}
