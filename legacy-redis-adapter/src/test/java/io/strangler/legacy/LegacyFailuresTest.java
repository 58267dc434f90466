package io.strangler.legacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strangler.api.CallContext;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.RedisDb;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/** How store failures surface: UNAVAILABLE when Redis cannot be reached, INTERNAL otherwise. */
@ExtendWith(RealServers.class)
class LegacyFailuresTest {
  private final RedisDb redis;

  LegacyFailuresTest(RedisDb redis) {
    this.redis = redis;
  }

  private static CallContext ctx(String id) {
    return new CallContext(id, Instant.now());
  }

  @Test
  void anyCall_redisNotListening_isUnavailable_afterFieldValidation() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (LegacyRedisControlPlane plane =
        LegacyRedisControlPlane.create("redis://127.0.0.1:" + closedPort + "/0", 2)) {
      assertThatThrownBy(() -> plane.getRepl(new GetReplRequest("r-1"), ctx("q")))
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e.getMessage()).startsWith("legacy is unavailable: ");
              });
      assertThatThrownBy(() -> plane.getRepl(new GetReplRequest("not valid"), ctx("q")))
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void aCall_noPooledConnectionFreeInTime_isUnavailable() throws Exception {
    redis.flush();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LegacyRedisControlPlane.RaceHook holdTheOnlyConnection =
        replId -> {
          holding.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    ExecutorService caller = Executors.newSingleThreadExecutor(r -> new Thread(r, "holder"));
    try (LegacyRedisControlPlane plane =
        new LegacyRedisControlPlane(
            LegacyRedisControlPlane.newPool(redis.uri(), 1), true, holdTheOnlyConnection)) {
      plane.applyTopology(new Topology(Map.of("us", List.of("us-1"))));
      plane.createRepl(new CreateReplRequest("r-1", "o", "site", "us"), ctx("c"));
      plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 4), ctx("m"));
      Future<?> held =
          caller.submit(() -> plane.connectRepl(new ConnectReplRequest("r-1"), ctx("k")));
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();

      assertThatThrownBy(() -> plane.getRepl(new GetReplRequest("r-1"), ctx("q")))
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));

      release.countDown();
      held.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      caller.shutdownNow();
    }
  }

  @Test
  void aCall_meetingAKeyOfTheWrongType_isInternal() {
    redis.flush();
    try (LegacyRedisControlPlane plane = LegacyRedisControlPlane.create(redis.uri(), 2);
        Jedis j = redis.connect()) {
      j.set("repl:r-1", "not a hash");

      assertThatThrownBy(() -> plane.getRepl(new GetReplRequest("r-1"), ctx("q")))
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                assertThat(e.getMessage()).startsWith("legacy failed: ").contains("WRONGTYPE");
              });
    }
  }

  /**
   * The layout joins ids and suffixes with ':', so an id with a ':' could name another repl's keys
   * (repl "a:containers" would be repl "a"'s container set). The contract keeps ':' out of ids, so
   * such a call is refused before Redis is touched.
   */
  @Test
  void createRepl_idWithTheKeySeparator_isRefusedBeforeTouchingRedis() {
    redis.flush();
    try (LegacyRedisControlPlane plane = LegacyRedisControlPlane.create(redis.uri(), 2)) {
      plane.applyTopology(new Topology(Map.of("us", List.of("us-1"))));
      plane.createRepl(new CreateReplRequest("a", "o", "site-a", "us"), ctx("c1"));
      plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 4), ctx("m"));
      plane.connectRepl(new ConnectReplRequest("a"), ctx("k"));
      java.util.Set<String> keysBefore;
      try (var j = redis.connect()) {
        keysBefore = j.keys("*");
      }

      assertThatThrownBy(
              () ->
                  plane.createRepl(
                      new CreateReplRequest("a:containers", "o", "site-b", "us"), ctx("c2")))
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      try (var j = redis.connect()) {
        assertThat(j.keys("*")).isEqualTo(keysBefore);
      }
    }
  }

  @Test
  void create_notARedisUri_saysWhatItExpects() {
    assertThatThrownBy(() -> LegacyRedisControlPlane.create("http://localhost:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://127.0.0.1:6379/1");
  }
}
