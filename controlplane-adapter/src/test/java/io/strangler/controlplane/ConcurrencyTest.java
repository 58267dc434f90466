package io.strangler.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.Repl;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.ContainerPlacement;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Concurrent calls on one plane: the invariants the database holds (one RUNNING container per repl,
 * no machine over capacity, running counters equal to the rows) whatever the interleaving. Each
 * test starts its callers together on a latch and repeats over several repls, so that many
 * interleavings are tried.
 */
@ExtendWith(RealServers.class)
class ConcurrencyTest {
  private static final int CALLERS = 64;

  private final PostgresDb db;
  private final Calls calls = new Calls("conc");
  private PostgresControlPlane plane;
  private ExecutorService pool;

  ConcurrencyTest(PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void open() {
    plane = TestDatabase.emptyPlane(db);
    plane.applyTopology(Calls.TOPOLOGY);
    pool = Executors.newFixedThreadPool(CALLERS);
  }

  @AfterEach
  void close() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    plane.close();
  }

  @Test
  void connectRepl_concurrentCallers_getOneContainer() throws Exception {
    register("us-1", 4, 1_000);
    register("us-2", 4, 1_000);
    for (int r = 0; r < 10; r++) {
      String replId = "r-" + r;
      createRepl(replId, "us");

      List<ConnectReplResponse> answers = together(CALLERS, i -> () -> connect(replId));

      assertThat(answers).filteredOn(ConnectReplResponse::created).hasSize(1);
      Container winner =
          answers.stream()
              .filter(ConnectReplResponse::created)
              .findFirst()
              .orElseThrow()
              .container();
      assertThat(answers).extracting(ConnectReplResponse::container).containsOnly(winner);
      assertThat(containersOf(replId)).containsExactly(winner);
    }
    assertThat(runningCountersThatDisagreeWithRows()).isEmpty();
  }

  /**
   * The shadow path: placements decided by another backend (here two per repl, on different
   * machines, as a racing legacy store may decide) still give one RUNNING container per repl.
   */
  @Test
  void connectRepl_concurrentCallersWithPlacements_getOneContainerPerRepl() throws Exception {
    register("us-1", 4, 1);
    register("us-2", 4, 1);
    List<Repl> repls = new ArrayList<>();
    for (int r = 0; r < 8; r++) {
      repls.add(createRepl("r-" + r, "us"));
    }

    // Capacity 1 everywhere: the placements overfill machines, which is the deciding backend's
    // call; only the one-running-per-repl invariant is this store's.
    List<ConnectReplResponse> answers =
        together(
            16,
            i -> {
              Repl repl = repls.get(i % 8);
              String machineId = repl.cluster() + "-m" + (i / 8 + i % 2);
              return () ->
                  plane.connectRepl(
                      new ConnectReplRequest(
                          repl.replId(), new ContainerPlacement(machineId, null)),
                      calls.next());
            });

    assertThat(answers).filteredOn(ConnectReplResponse::created).hasSize(8);
    for (Repl repl : repls) {
      List<Container> running =
          containersOf(repl.replId()).stream()
              .filter(c -> c.state() == ContainerState.RUNNING)
              .toList();
      assertThat(running).hasSize(1);
      assertThat(answers)
          .filteredOn(a -> a.container().replId().equals(repl.replId()))
          .extracting(ConnectReplResponse::container)
          .containsOnly(running.get(0));
    }
    assertThat(runningCountersThatDisagreeWithRows()).isEmpty();
  }

  @Test
  void connectRepl_concurrentCallersWithAPendingTransfer_moveTheReplOnce() throws Exception {
    register("asia-1", 2, 1_000);
    for (int r = 0; r < 5; r++) {
      String replId = "r-" + r;
      Repl repl = createRepl(replId, "us");
      plane.transferRepl(new TransferReplRequest(replId, "asia-1", true), calls.next());

      List<ConnectReplResponse> answers = together(CALLERS, i -> () -> connect(replId));

      assertThat(answers).filteredOn(ConnectReplResponse::created).hasSize(1);
      assertThat(answers)
          .filteredOn(ConnectReplResponse::transferred)
          .hasSize(1)
          .allMatch(ConnectReplResponse::created);
      assertThat(answers)
          .extracting(a -> a.container().containerId())
          .containsOnly(
              answers.stream()
                  .filter(ConnectReplResponse::created)
                  .findFirst()
                  .orElseThrow()
                  .container()
                  .containerId());
      Repl moved = plane.getRepl(new GetReplRequest(replId), calls.next());
      assertThat(moved)
          .isEqualTo(
              new Repl(replId, "o", "s-" + replId, "asia", "asia-1", null, repl.createdAt()));
      assertThat(
              plane
                  .resolveCluster(new ResolveClusterRequest(replId), calls.next())
                  .tombstone()
                  .from())
          .isEqualTo(repl.cluster());
      assertThat(containersOf(replId)).hasSize(1);
    }
  }

  @Test
  void connectRepl_manyReplsRacingForFewSlots_neverOverfillAMachine() throws Exception {
    register("us-1", 3, 2);
    register("us-2", 3, 2);
    List<String> replIds = new ArrayList<>();
    for (int r = 0; r < CALLERS; r++) {
      replIds.add(createRepl("r-" + r, "us").replId());
    }

    List<Object> outcomes =
        together(
            CALLERS,
            i ->
                () -> {
                  try {
                    return connect(replIds.get(i));
                  } catch (ControlPlaneException e) {
                    return e.code();
                  }
                });

    long created = outcomes.stream().filter(ConnectReplResponse.class::isInstance).count();
    assertThat(created).isEqualTo(12);
    assertThat(outcomes)
        .filteredOn(ErrorCode.class::isInstance)
        .containsOnly(ErrorCode.FAILED_PRECONDITION)
        .hasSize(CALLERS - 12);
    assertThat(count("SELECT count(*) FROM containers")).isEqualTo(12);
    assertThat(count("SELECT count(*) FROM machines WHERE running_containers <> 2")).isZero();
    assertThat(runningCountersThatDisagreeWithRows()).isEmpty();
  }

  @Test
  void stopContainer_concurrentCallers_stopItOnceAndFreeOneSlot() throws Exception {
    register("us-1", 1, 10);
    register("us-2", 1, 10);
    for (int r = 0; r < 5; r++) {
      String replId = "r-" + r;
      createRepl(replId, "us");
      Container running = connect(replId).container();

      List<Container> answers =
          together(
              CALLERS,
              i ->
                  () ->
                      plane.stopContainer(
                          new StopContainerRequest(running.containerId()), calls.next()));

      assertThat(answers).extracting(Container::state).containsOnly(ContainerState.STOPPED);
      assertThat(answers)
          .extracting(Container::stoppedAt)
          .hasSize(CALLERS)
          .containsOnly(answers.get(0).stoppedAt());
      assertThat(containersOf(replId)).containsExactly(answers.get(0));
    }
    assertThat(count("SELECT count(*) FROM machines WHERE running_containers <> 0")).isZero();
  }

  @Test
  void transferRepl_eagerRacingConnects_leavesNoContainerOutsideTheReplsCluster() throws Exception {
    register("us-1", 2, 1_000);
    register("us-2", 2, 1_000);
    register("asia-1", 2, 1_000);
    List<String> clusters = List.of("asia-1", "us-2", "us-1");
    for (int r = 0; r < 5; r++) {
      String replId = "r-" + r;
      createRepl(replId, "us");

      together(
          CALLERS,
          i ->
              () ->
                  i % 8 == 0
                      ? plane.transferRepl(
                          new TransferReplRequest(replId, clusters.get(i / 8 % 3), false),
                          calls.next())
                      : connect(replId));

      Repl after = plane.getRepl(new GetReplRequest(replId), calls.next());
      List<Container> running =
          containersOf(replId).stream().filter(c -> c.state() == ContainerState.RUNNING).toList();
      assertThat(running)
          .hasSizeLessThanOrEqualTo(1)
          .allSatisfy(c -> assertThat(c.cluster()).isEqualTo(after.cluster()));
    }
    assertThat(runningCountersThatDisagreeWithRows()).isEmpty();
  }

  // ---- helpers

  private Repl createRepl(String replId, String region) {
    return plane.createRepl(
        new CreateReplRequest(replId, "o", "s-" + replId, region), calls.next());
  }

  private void register(String cluster, int machines, int capacity) {
    for (int m = 0; m < machines; m++) {
      plane.registerMachine(
          new RegisterMachineRequest(cluster + "-m" + m, cluster, "10.1.0." + m, capacity),
          calls.next());
    }
  }

  private ConnectReplResponse connect(String replId) {
    return plane.connectRepl(new ConnectReplRequest(replId), calls.next());
  }

  private List<Container> containersOf(String replId) {
    return plane.listContainers(new ListContainersRequest(replId, null), calls.next()).containers();
  }

  /** Runs {@code n} calls released at once; their answers in caller order. */
  private <T> List<T> together(int n, IntFunction<Callable<T>> call)
      throws InterruptedException, ExecutionException, TimeoutException {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Callable<T> c = call.apply(i);
      futures.add(
          pool.submit(
              () -> {
                start.await();
                return c.call();
              }));
    }
    start.countDown();
    List<T> answers = new ArrayList<>();
    for (Future<T> f : futures) {
      answers.add(f.get(30, TimeUnit.SECONDS));
    }
    return answers;
  }

  private Set<String> runningCountersThatDisagreeWithRows() throws SQLException {
    Set<String> machines = new HashSet<>();
    try (Connection c = db.database().connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT m.machine_id FROM machines m WHERE m.running_containers <> (SELECT"
                    + " count(*) FROM containers c WHERE c.machine_id = m.machine_id AND c.state"
                    + " = 'RUNNING')")) {
      while (rs.next()) {
        machines.add(rs.getString(1));
      }
    }
    return machines;
  }

  private long count(String sql) throws SQLException {
    try (Connection c = db.database().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
