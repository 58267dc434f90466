package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.kv.KvApi;
import io.strangler.dispatch.kv.PostgresKvBackend;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bulkheads: a store's shadow calls stalled (their rows locked, each holding a connection) take
 * none of the connections its authoritative calls need, when the store's two roles are given two
 * backend instances with pools of their own.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkheadTest {
  private static final int CLIENTS = 8;
  private static final int POOL = 4;
  private static final Duration BOUND = Duration.ofMillis(900);

  private final RealServers.PostgresDb db;
  private final KvStores stores;

  BulkheadTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    db = postgres;
    stores = new KvStores(redis, postgres);
  }

  @BeforeEach
  void clean() {
    stores.flush();
    for (int i = 0; i < CLIENTS; i++) {
      stores.postgres.seed("hot-" + i, "old");
    }
  }

  @AfterAll
  void close() {
    stores.close();
  }

  private PostgresKvBackend pool(String name) {
    return new PostgresKvBackend(name, db.jdbcUrl(), db.user(), db.password(), POOL);
  }

  @Test
  void shadowStalledOnItsOwnPool_authoritativeReadsOfTheSameStoreAreServedAtOnce()
      throws Exception {
    try (PostgresKvBackend authoritative = pool("new");
        PostgresKvBackend shadow = pool("new")) {
      List<Timed> reads = readsWhileShadowWritesAreStalled(authoritative, shadow);

      assertThat(reads).extracting(Timed::status).containsOnly(404);
      assertThat(reads).allSatisfy(r -> assertThat(r.took()).isLessThan(BOUND));
    }
  }

  @Test
  void withoutTheBulkhead_theSameStallDelaysOrFailsAuthoritativeReads() throws Exception {
    // The control: one instance for both roles. This is what the bulkhead is for.
    try (PostgresKvBackend shared = pool("new")) {
      List<Timed> reads = readsWhileShadowWritesAreStalled(shared, shared);

      assertThat(reads)
          .anySatisfy(
              r -> assertThat(r.status() != 404 || r.took().compareTo(BOUND) >= 0).isTrue());
    }
  }

  /**
   * SHADOW for writes (Redis answers, PostgreSQL is the shadow), NEW_PRIMARY for reads (PostgreSQL
   * answers): {@link #CLIENTS} shadow writes of rows the test holds locked stall on PostgreSQL,
   * then {@link #CLIENTS} clients read from it.
   */
  private List<Timed> readsWhileShadowWritesAreStalled(Backend authoritative, Backend shadow)
      throws Exception {
    FakeFlags flags = new FakeFlags(Mode.SHADOW).set(KvApi.GET, Mode.NEW_PRIMARY);
    ProxyConfig config = TestProxy.config().shadowTimeout(Duration.ofSeconds(30)).build();
    DispatchServer server =
        DispatchServer.builder(config)
            .apis(KvApi.registry())
            .flags(flags)
            .legacy(stores.redis)
            .newer(authoritative, shadow)
            .start();
    try (TestProxy proxy = TestProxy.wrap(server);
        Connection lock = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      calls(proxy, i -> TestProxy.get("warm-" + i), KvApi.GET); // classes, connections
      lock.setAutoCommit(false);
      try (Statement s = lock.createStatement()) {
        s.execute("SELECT key FROM kv WHERE key LIKE 'hot-%' FOR UPDATE");
      }
      try {
        List<Timed> writes = calls(proxy, i -> put("hot-" + i, "new"), KvApi.PUT);
        assertThat(writes).extracting(Timed::status).containsOnly(200);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> server.stats().shadowCallsPending() == CLIENTS);
        return calls(proxy, i -> TestProxy.get("cold-" + i), KvApi.GET);
      } finally {
        lock.rollback();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> server.stats().shadowCallsPending() == 0);
      }
    }
  }

  record Timed(int status, Duration took) {}

  interface Body {
    String of(int client);
  }

  private static List<Timed> calls(TestProxy proxy, Body body, String operation) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Timed>> calls = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        calls.add(
            clients.submit(
                () -> {
                  go.await();
                  long start = System.nanoTime();
                  HttpResponse<String> r = proxy.post(operation, body.of(client));
                  return new Timed(r.statusCode(), Duration.ofNanos(System.nanoTime() - start));
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
