package io.strangler.legacy;

import static io.strangler.api.contract.ConcurrentCalls.assertAllUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.strangler.api.CallContext;
import io.strangler.api.contract.ConcurrentCalls;
import io.strangler.api.contract.ConcurrentCalls.Ended;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.servers.RedisProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Store faults on a redis-server of the test's own (never the shared one): killed, frozen, loading
 * its dataset, demoted to a replica, cut off from its primary, busy with a script, a cluster
 * without slots, out of memory, a pool with no connection to spare. Every caller of the faulty
 * store is answered UNAVAILABLE, naming the backend and the reason, within the configured timeouts;
 * none is answered INTERNAL.
 */
class LegacyStoreFaultsTest {
  private static final int CALLERS = 8;
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  /** Smaller than the callers, so that some of them wait for a pooled connection too. */
  private static final RedisPoolSettings SETTINGS =
      RedisPoolSettings.of(4).withTimeouts(TIMEOUT, TIMEOUT, TIMEOUT);

  /**
   * Pool wait, connect and one reply (1.5 s), with room for a loaded build machine. Without the
   * timeouts a frozen server would hold its callers forever.
   */
  private static final Duration WITHIN = Duration.ofSeconds(3);

  private static final Duration ALL_DONE = Duration.ofSeconds(20);
  private static final String UNAVAILABLE = "legacy is unavailable: ";

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final AtomicLong requests = new AtomicLong();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  private CallContext ctx() {
    return new CallContext("q-" + requests.incrementAndGet(), Instant.now());
  }

  private RedisProcess redis(String... settings) {
    return closing(RedisProcess.start(settings));
  }

  private LegacyRedisControlPlane plane(RedisProcess redis) {
    return closing(LegacyRedisControlPlane.create(redis.endpoint().uri(0), SETTINGS));
  }

  /** A plane over {@code redis} holding one region, one repl "r-1" and one machine. */
  private LegacyRedisControlPlane seededPlane(RedisProcess redis) {
    LegacyRedisControlPlane plane = plane(redis);
    plane.applyTopology(new Topology(Map.of("us", List.of("us-1"))));
    plane.createRepl(new CreateReplRequest("r-1", "o", "site", "us"), ctx());
    plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 4), ctx());
    return plane;
  }

  private List<Ended> getReplFromEveryCaller(LegacyRedisControlPlane plane) throws Exception {
    return ConcurrentCalls.run(
        CALLERS, i -> plane.getRepl(new GetReplRequest("r-1"), ctx()), ALL_DONE);
  }

  private List<Ended> createReplFromEveryCaller(LegacyRedisControlPlane plane) throws Exception {
    return ConcurrentCalls.run(
        CALLERS,
        i -> plane.createRepl(new CreateReplRequest("n-" + i, "o", "new-" + i, "us"), ctx()),
        ALL_DONE);
  }

  @Test
  void calls_toAKilledRedis_areUnavailable() throws Exception {
    RedisProcess redis = redis();
    LegacyRedisControlPlane plane = seededPlane(redis);

    redis.kill();

    // The pooled connections are reset, new ones refused: both are the store's fault.
    assertAllUnavailable(getReplFromEveryCaller(plane), UNAVAILABLE, "", WITHIN);
  }

  @Test
  void calls_toAFrozenRedis_areUnavailableWithinTheTimeouts_andWorkAgainOnceItResumes()
      throws Exception {
    RedisProcess redis = redis();
    LegacyRedisControlPlane plane = seededPlane(redis);

    redis.pause();
    List<Ended> ended = getReplFromEveryCaller(plane);
    redis.resume();

    assertAllUnavailable(ended, UNAVAILABLE, "", WITHIN);
    assertThat(ended)
        .as("a frozen server is found out by a read timeout")
        .anySatisfy(e -> assertThat(e.error()).hasMessageContaining("Read timed out"));
    // Connections broken by the timeouts were dropped from the pool, not lent out again.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(plane.getRepl(new GetReplRequest("r-1"), ctx()).replId())
                    .isEqualTo("r-1"));
  }

  /** A Redis restarting on its RDB answers LOADING until the dataset is in memory. */
  @Test
  void calls_toARedisLoadingItsDataset_areUnavailable() throws Exception {
    Path dir = RedisProcess.rdbWithKeys(20_000);
    // 0.5 ms per key: about 10 s of loading, longer than this test needs; events are served
    // every 1 KB read (about 50 keys), so callers are answered LOADING rather than left waiting.
    RedisProcess redis =
        closing(
            RedisProcess.startIn(
                dir, "--key-load-delay", "500", "--loading-process-events-interval-bytes", "1024"));
    try (Jedis j = redis.connect()) {
      assertThatThrownBy(() -> j.get("key:1"))
          .isInstanceOf(JedisDataException.class)
          .hasMessageStartingWith("LOADING");
    }
    LegacyRedisControlPlane plane = plane(redis);

    assertAllUnavailable(
        getReplFromEveryCaller(plane),
        UNAVAILABLE,
        "LOADING Redis is loading the dataset in memory",
        WITHIN);
  }

  /**
   * A primary demoted to a replica (a failover) still answers reads but refuses writes. The legacy
   * writes are pipelined; a refused one must not pass as done.
   */
  @Test
  void writes_toARedisDemotedToAReplica_areUnavailable_andWriteNothing() throws Exception {
    RedisProcess redis = redis();
    LegacyRedisControlPlane plane = seededPlane(redis);
    try (Jedis j = redis.connect()) {
      j.replicaof("127.0.0.1", closedPort());
    }

    assertAllUnavailable(
        createReplFromEveryCaller(plane),
        UNAVAILABLE,
        "READONLY You can't write against a read only replica",
        WITHIN);
    try (Jedis j = redis.connect()) {
      assertThat(j.keys("repl:n-*")).isEmpty();
    }
  }

  @Test
  void calls_toAReplicaCutOffFromItsPrimary_areUnavailable() throws Exception {
    RedisProcess redis =
        redis(
            "--replicaof",
            "127.0.0.1",
            Integer.toString(closedPort()),
            "--replica-serve-stale-data",
            "no");
    LegacyRedisControlPlane plane = plane(redis);

    assertAllUnavailable(
        getReplFromEveryCaller(plane), UNAVAILABLE, "MASTERDOWN Link with MASTER is down", WITHIN);
  }

  @Test
  void calls_toARedisBusyWithAScript_areUnavailable_andWorkAgainOnceItIsKilled() throws Exception {
    // BUSY is answered once a script has run this long.
    RedisProcess redis = redis("--busy-reply-threshold", "50");
    LegacyRedisControlPlane plane = seededPlane(redis);
    CompletableFuture<Object> script =
        CompletableFuture.supplyAsync(
            () -> {
              try (Jedis j = new Jedis(redis.endpoint().host(), redis.port(), 30_000)) {
                return j.eval("while true do end", 0);
              } catch (JedisDataException killed) {
                return killed.getMessage();
              }
            });
    try (Jedis j = redis.connect()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptionsMatching(e -> !(e instanceof JedisDataException))
          .until(
              () -> {
                try {
                  j.get("x");
                  return false;
                } catch (JedisDataException e) {
                  return e.getMessage().startsWith("BUSY");
                }
              });

      assertAllUnavailable(
          getReplFromEveryCaller(plane),
          UNAVAILABLE,
          "BUSY Redis is busy running a script",
          WITHIN);

      j.scriptKill();
    }
    assertThat(script.get(10, TimeUnit.SECONDS).toString()).contains("killed");
    assertThat(plane.getRepl(new GetReplRequest("r-1"), ctx()).replId()).isEqualTo("r-1");
  }

  @Test
  void calls_toAClusterWithoutSlots_areUnavailable() throws Exception {
    RedisProcess redis = redis("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");
    LegacyRedisControlPlane plane = plane(redis);

    assertAllUnavailable(
        getReplFromEveryCaller(plane), UNAVAILABLE, "CLUSTERDOWN Hash slot not served", WITHIN);
  }

  @Test
  void writes_toARedisOutOfMemory_areUnavailable() throws Exception {
    RedisProcess redis = redis();
    LegacyRedisControlPlane plane = seededPlane(redis);
    try (Jedis j = redis.connect()) {
      j.configSet("maxmemory", "1");
    }

    assertAllUnavailable(
        createReplFromEveryCaller(plane), UNAVAILABLE, "OOM command not allowed", WITHIN);
  }

  /** Every connection is in use: callers wait maxWait for one, then are UNAVAILABLE. */
  @Test
  void calls_withNoPooledConnectionFree_areUnavailableAfterMaxWait() throws Exception {
    RedisProcess redis = redis();
    seededPlane(redis);
    JedisPool pool = closing(LegacyRedisControlPlane.newPool(redis.endpoint().uri(0), SETTINGS));
    LegacyRedisControlPlane plane = closing(new LegacyRedisControlPlane(pool));
    for (int i = 0; i < SETTINGS.maxConnections(); i++) {
      closing(pool.getResource());
    }

    List<Ended> ended = getReplFromEveryCaller(plane);

    assertAllUnavailable(
        ended, UNAVAILABLE, "no pooled connection free (active=4, idle=0, waiting=", WITHIN);
    assertThat(ended)
        .allSatisfy(e -> assertThat(e.took()).isGreaterThanOrEqualTo(SETTINGS.maxWait()));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
