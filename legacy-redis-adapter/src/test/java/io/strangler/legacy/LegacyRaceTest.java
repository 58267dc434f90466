package io.strangler.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.RedisDb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/**
 * The legacy duplicate-container race ("The race" in docs/legacy-redis-layout.md), made
 * deterministic: two ConnectRepl calls for one repl are both held right after they read {@code
 * repl:{id}:current}, then let go together.
 */
@ExtendWith(RealServers.class)
class LegacyRaceTest {
  private static final String REPL = "r-race";

  private final RedisDb redis;
  private final CyclicBarrier bothInWindow = new CyclicBarrier(2);

  /** While set, ConnectRepl calls wait in the race window until two are there. */
  private final AtomicBoolean holdCalls = new AtomicBoolean(true);

  private LegacyRedisControlPlane plane;
  private ExecutorService callers;
  private Instant now;

  LegacyRaceTest(RedisDb redis) {
    this.redis = redis;
  }

  @BeforeEach
  void setUp() {
    redis.flush();
    plane =
        new LegacyRedisControlPlane(
            LegacyRedisControlPlane.newPool(redis.uri(), 4), true, this::holdUntilBothRead);
    AtomicInteger n = new AtomicInteger();
    callers =
        Executors.newFixedThreadPool(2, r -> new Thread(r, "race-caller-" + n.incrementAndGet()));
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    plane.applyTopology(new Topology(Map.of("us", List.of("us-1"))));
    plane.createRepl(new CreateReplRequest(REPL, "owner-1", "race-site", "us"), ctx("create"));
    for (String m : List.of("m-1", "m-2", "m-3", "m-4")) {
      plane.registerMachine(new RegisterMachineRequest(m, "us-1", "10.0.0.1", 8), ctx("reg-" + m));
    }
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    callers.shutdownNow();
    assertThat(callers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    plane.close();
  }

  private CallContext ctx(String requestId) {
    now = now.plusMillis(1);
    return new CallContext(requestId, now);
  }

  private void holdUntilBothRead(String replId) {
    if (!holdCalls.get()) {
      return;
    }
    try {
      bothInWindow.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted inside the race window", e);
    } catch (BrokenBarrierException | TimeoutException e) {
      throw new IllegalStateException("the other ConnectRepl never reached the race window", e);
    }
  }

  @Test
  void connectRepl_concurrentCallersBothMissTheCurrentContainer_bothCreateARunningContainer()
      throws Exception {
    ConnectReplResponse[] raced = race();
    ConnectReplResponse ra = raced[0];
    ConnectReplResponse rb = raced[1];

    assertThat(ra.created()).isTrue();
    assertThat(rb.created()).isTrue();
    assertThat(ra.container().containerId()).isNotEqualTo(rb.container().containerId());
    List<Container> containers =
        plane.listContainers(new ListContainersRequest(REPL, null), ctx("list")).containers();
    assertThat(containers)
        .extracting(Container::state)
        .containsExactly(ContainerState.RUNNING, ContainerState.RUNNING);
    try (Jedis j = redis.connect()) {
      assertThat(j.get(LegacyKeys.replCurrent(REPL)))
          .isIn(ra.container().containerId(), rb.container().containerId());
      long runningOnMachines =
          containers.stream()
              .filter(c -> j.sismember(LegacyKeys.machineRunning(c.machineId()), c.containerId()))
              .count();
      assertThat(runningOnMachines).isEqualTo(2);
    }
    assertThat(plane.countReplsWithMultipleRunningContainers()).isEqualTo(1);
  }

  @Test
  void connectRepl_afterTheRace_answersTheContainerCurrentNames_whileTheOtherKeepsRunning()
      throws Exception {
    ConnectReplResponse[] raced = race();
    holdCalls.set(false);

    ConnectReplResponse again = plane.connectRepl(new ConnectReplRequest(REPL), ctx("connect-c"));
    String current;
    try (Jedis j = redis.connect()) {
      current = j.get(LegacyKeys.replCurrent(REPL));
    }
    assertThat(again.created()).isFalse();
    assertThat(again.container().containerId()).isEqualTo(current);

    // Stopping the container current names leaves the repl "cold" to the legacy reads while the
    // orphan still runs: the next connect starts a third container.
    plane.stopContainer(new StopContainerRequest(current), ctx("stop"));
    ConnectReplResponse next = plane.connectRepl(new ConnectReplRequest(REPL), ctx("connect-d"));

    assertThat(next.created()).isTrue();
    assertThat(
            plane.listContainers(new ListContainersRequest(REPL, null), ctx("list")).containers())
        .filteredOn(c -> c.state() == ContainerState.RUNNING)
        .extracting(Container::containerId)
        .containsExactlyInAnyOrder(
            next.container().containerId(), orphanOf(raced, current).container().containerId());
    assertThat(plane.countReplsWithMultipleRunningContainers()).isEqualTo(1);
  }

  @Test
  void countReplsWithMultipleRunningContainers_withoutConcurrentCallers_isZero() {
    holdCalls.set(false);
    ConnectReplResponse first = plane.connectRepl(new ConnectReplRequest(REPL), ctx("c-1"));
    plane.stopContainer(new StopContainerRequest(first.container().containerId()), ctx("s-1"));
    plane.connectRepl(new ConnectReplRequest(REPL), ctx("c-2"));
    plane.connectRepl(new ConnectReplRequest(REPL), ctx("c-3"));

    assertThat(plane.countReplsWithMultipleRunningContainers()).isZero();
  }

  private ConnectReplResponse[] race() throws Exception {
    CallContext first = ctx("connect-a");
    CallContext second = ctx("connect-b");
    Future<ConnectReplResponse> a =
        callers.submit(() -> plane.connectRepl(new ConnectReplRequest(REPL), first));
    Future<ConnectReplResponse> b =
        callers.submit(() -> plane.connectRepl(new ConnectReplRequest(REPL), second));
    return new ConnectReplResponse[] {get(a), get(b)};
  }

  private static ConnectReplResponse orphanOf(ConnectReplResponse[] raced, String current) {
    return raced[0].container().containerId().equals(current) ? raced[1] : raced[0];
  }

  private static ConnectReplResponse get(Future<ConnectReplResponse> f)
      throws InterruptedException, ExecutionException, TimeoutException {
    return f.get(10, TimeUnit.SECONDS);
  }
}
