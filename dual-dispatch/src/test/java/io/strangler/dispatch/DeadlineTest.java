package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.kv.KvApi;
import io.strangler.dispatch.kv.RedisKvBackend;
import io.strangler.dispatch.testing.PrivateRedis;
import io.strangler.dispatch.testing.RecordingSink;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every call has a deadline: with the store paused (SIGSTOP of a redis-server of the test's own),
 * no client waits past it, and a write still queued at its deadline never runs.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadlineTest {
  private static final int CLIENTS = 16;
  private static final Duration DEADLINE = Duration.ofMillis(400);
  // Timer tick, thread hand-offs and a shared 2-core machine; far below the 2 s the paused store
  // holds a call (its socket timeout), let alone the queue behind it.
  private static final Duration SLACK = Duration.ofMillis(900);

  private final KvStores stores;
  private PrivateRedis redis;
  private RedisKvBackend paused;

  DeadlineTest(RealServers.RedisDb redisDb, RealServers.PostgresDb postgres) {
    stores = new KvStores(redisDb, postgres);
  }

  @BeforeEach
  void startRedis() {
    stores.flush();
    redis = PrivateRedis.start();
    paused = new RedisKvBackend("legacy", "127.0.0.1", redis.port(), 0, 2);
  }

  @AfterEach
  void stopRedis() {
    paused.close();
    redis.close();
  }

  @AfterAll
  void close() {
    stores.close();
  }

  @Test
  void storePaused_noClientWaitsPastTheDeadline_andQueuedWritesNeverRun() throws Exception {
    RecordingSink sink = new RecordingSink();
    ProxyConfig config =
        TestProxy.config().deadline(DEADLINE).callThreads(2).maxInFlightCalls(256).build();
    try (TestProxy proxy =
        TestProxy.start(
            config,
            new FakeFlags(Mode.LEGACY_ONLY),
            paused,
            stores.postgres,
            sink,
            AdminRoutes.empty())) {
      warmUp(proxy);
      sink.clear();

      redis.pause();
      List<Timed> answers;
      try {
        answers = concurrently(proxy, i -> put("d-" + i, "v" + i), null);
      } finally {
        redis.resume();
      }

      assertThat(answers).extracting(Timed::status).containsOnly(503);
      assertThat(answers)
          .allSatisfy(a -> assertThat(a.took()).isLessThan(DEADLINE.plus(SLACK)))
          .allSatisfy(a -> assertThat(a.body()).contains("UNAVAILABLE").contains("deadline"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> sink.size() == CLIENTS && proxy.server.stats().callsInFlight() == 0);
      List<String> neverRun = keysDroppedAtDeadline(sink);
      // Two call threads: at most two writes were running when the store stopped; the rest queued.
      assertThat(neverRun).hasSizeGreaterThanOrEqualTo(CLIENTS - 2);
      assertThat(proxy.server.stats().deadlineExpired()).isEqualTo(neverRun.size());
      assertThat(proxy.server.stats().deadlineAnswered()).isGreaterThanOrEqualTo(neverRun.size());
      // Looked at after the store resumed and every queued task was let go: none of them ran.
      for (String key : neverRun) {
        assertThat(paused.value(key)).as(key).isNull();
      }
    }
  }

  @Test
  void clientHeader_shortensTheDeadline_butCannotLengthenIt() throws Exception {
    Duration deadline = Duration.ofMillis(1500);
    ProxyConfig config = TestProxy.config().deadline(deadline).callThreads(2).build();
    try (TestProxy proxy =
        TestProxy.start(
            config,
            new FakeFlags(Mode.LEGACY_ONLY),
            paused,
            stores.postgres,
            OutcomeSink.noop(),
            AdminRoutes.empty())) {
      warmUp(proxy);
      redis.pause();
      List<Timed> shorter;
      List<Timed> longer;
      try {
        shorter = concurrently(proxy, i -> TestProxy.get("s-" + i), "100");
        longer = concurrently(proxy, i -> TestProxy.get("l-" + i), "60000");
      } finally {
        redis.resume();
      }

      assertThat(shorter).extracting(Timed::status).containsOnly(503);
      assertThat(shorter)
          .allSatisfy(a -> assertThat(a.took()).isLessThan(Duration.ofMillis(100).plus(SLACK)));
      assertThat(longer).extracting(Timed::status).containsOnly(503);
      assertThat(longer)
          .allSatisfy(
              a -> assertThat(a.took()).isBetween(deadline.minusMillis(50), deadline.plus(SLACK)));
    }
  }

  @Test
  void shadowWriteQueuedPastTheShadowDeadline_isDroppedAndNeverRun_whileClientsAreServed()
      throws Exception {
    RecordingSink sink = new RecordingSink();
    // NEW_PRIMARY: PostgreSQL answers the clients, the paused Redis is the shadow.
    ProxyConfig config =
        TestProxy.config()
            .shadowThreads(1)
            .shadowTimeout(Duration.ofMillis(200))
            .shadowDeadline(Duration.ofMillis(300))
            .build();
    try (TestProxy proxy =
        TestProxy.start(
            config,
            new FakeFlags(Mode.NEW_PRIMARY),
            paused,
            stores.postgres,
            sink,
            AdminRoutes.empty())) {
      warmUp(proxy);
      await().atMost(Duration.ofSeconds(10)).until(() -> sink.size() == CLIENTS);
      sink.clear();
      redis.pause();
      List<Timed> answers;
      try {
        answers = concurrently(proxy, i -> put("s-" + i, "v" + i), null);
        // Until every exchange is reported: the queued shadow writes are let go only once the
        // one running gives up on the stopped store (its 2 s socket timeout).
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.size() == CLIENTS);
      } finally {
        redis.resume();
      }

      assertThat(answers).extracting(Timed::status).containsOnly(200);
      // The stopped shadow store costs the clients nothing: its calls have their own threads.
      assertThat(answers).allSatisfy(a -> assertThat(a.took()).isLessThan(SLACK));
      List<String> dropped = new ArrayList<>();
      for (Exchange e : sink.exchanges()) {
        assertThat(e.authoritative()).isInstanceOf(Outcome.Answer.class);
        if (e.shadow().equals(new Outcome.Dropped(Outcome.DropReason.DEADLINE_EXCEEDED))) {
          dropped.add(e.request().get("key").asText());
        }
      }
      assertThat(dropped).hasSizeGreaterThanOrEqualTo(CLIENTS / 2);
      assertThat(proxy.server.stats().shadowExpired()).isEqualTo(dropped.size());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> proxy.server.stats().shadowCallsPending() == 0);
      for (String key : dropped) {
        assertThat(paused.value(key)).as(key).isNull();
        assertThat(stores.postgres.value(key)).as(key).isNotNull();
      }
    }
  }

  /** First calls load classes and open connections: not what the bounds are about. */
  private static void warmUp(TestProxy proxy) throws Exception {
    concurrently(proxy, i -> TestProxy.get("warm-" + i), null);
  }

  private static List<String> keysDroppedAtDeadline(RecordingSink sink) {
    List<String> keys = new ArrayList<>();
    for (Exchange e : sink.exchanges()) {
      if (e.authoritative().equals(new Outcome.Dropped(Outcome.DropReason.DEADLINE_EXCEEDED))) {
        keys.add(e.request().get("key").asText());
      }
    }
    return keys;
  }

  record Timed(int status, String body, Duration took) {}

  interface Body {
    String of(int client);
  }

  /** {@link #CLIENTS} clients at once, one call each; {@code timeoutMs} is the client header. */
  private static List<Timed> concurrently(TestProxy proxy, Body body, String timeoutMs)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Timed>> calls = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        String op = body.of(client).contains("value") ? KvApi.PUT : KvApi.GET;
        calls.add(
            clients.submit(
                () -> {
                  go.await();
                  var request = proxy.request(op, body.of(client));
                  if (timeoutMs != null) {
                    request.header("X-Timeout-Ms", timeoutMs);
                  }
                  long start = System.nanoTime();
                  HttpResponse<String> r = proxy.send(request.build());
                  return new Timed(
                      r.statusCode(), r.body(), Duration.ofNanos(System.nanoTime() - start));
                }));
      }
      go.countDown();
      List<Timed> out = new ArrayList<>();
      for (Future<Timed> f : calls) {
        out.add(f.get());
      }
      return out;
    } finally {
      clients.shutdownNow();
    }
  }
}
