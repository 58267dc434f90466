package io.strangler.api.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.Errors;
import io.strangler.api.Ids;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.HostingState;
import io.strangler.api.model.Machine;
import io.strangler.api.model.MachineState;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Tombstone;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.ContainerPlacement;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.PlacementUse;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.ResolveClusterResponse;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.api.placement.HashRing;
import io.strangler.api.placement.Placement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control API v1 contract (docs/control-api.md), run unchanged against every backend. A
 * subclass only says how to get a plane over an empty store.
 *
 * <p>Call times start at the wall clock's current second, so that stores that expire keys on their
 * own clock (Redis) agree with the call's {@code now}; every call advances the call clock by one
 * millisecond unless a test sets it.
 */
public abstract class ControlPlaneContract {
  protected static final Topology TOPOLOGY =
      new Topology(
          Map.of(
              "us", List.of("us-1", "us-2", "us-3"),
              "asia", List.of("asia-1", "asia-2")));

  protected ControlPlane plane;
  private Instant now;
  private int requestSeq;

  /** A plane over an empty store. The suite applies the topology and closes it after the test. */
  protected abstract ControlPlane newPlane();

  @BeforeEach
  void openPlane() {
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    requestSeq = 0;
    plane = newPlane();
    plane.applyTopology(TOPOLOGY);
  }

  @AfterEach
  void closePlane() {
    plane.close();
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The context of the next call: a fresh request id, the clock one millisecond on. */
  protected CallContext ctx() {
    now = now.plusMillis(1);
    return new CallContext("req-" + (++requestSeq), now);
  }

  protected CallContext ctxWithId(String requestId) {
    now = now.plusMillis(1);
    return new CallContext(requestId, now);
  }

  protected void advance(Duration d) {
    now = now.plus(d);
  }

  protected Instant lastNow() {
    return now;
  }

  protected Repl createRepl(String replId, String region) {
    return plane.createRepl(
        new CreateReplRequest(replId, "owner-1", "slug-" + replId, region), ctx());
  }

  protected Machine register(String machineId, String cluster, int capacity) {
    return plane.registerMachine(
        new RegisterMachineRequest(
            machineId, cluster, "10.0.0." + Math.floorMod(machineId.hashCode(), 200), capacity),
        ctx());
  }

  protected ConnectReplResponse connect(String replId) {
    return plane.connectRepl(new ConnectReplRequest(replId), ctx());
  }

  protected List<Machine> machines(String cluster) {
    return plane.listMachines(new ListMachinesRequest(cluster), ctx()).machines();
  }

  protected List<Container> containersOfRepl(String replId) {
    return plane.listContainers(new ListContainersRequest(replId, null), ctx()).containers();
  }

  protected List<Container> containersOfMachine(String machineId) {
    return plane.listContainers(new ListContainersRequest(null, machineId), ctx()).containers();
  }

  /** Registers {@code n} machines (capacity each) in the cluster of the repl. */
  protected void machinesFor(Repl repl, int n, int capacity) {
    for (int i = 0; i < n; i++) {
      register(repl.cluster() + "-m" + i, repl.cluster(), capacity);
    }
  }

  protected static void assertError(ThrowingCallable call, ControlPlaneException expected) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ControlPlaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(expected.code());
              assertThat(e.getMessage()).isEqualTo(expected.getMessage());
            });
  }

  protected static void assertCode(ThrowingCallable call, ErrorCode code) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ControlPlaneException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  private static String clusterOf(String replId, String region) {
    return new HashRing(TOPOLOGY.clustersOf(region).orElseThrow()).clusterFor(replId);
  }

  /** A repl id (r-N) that hashes into {@code cluster} of {@code region}. */
  private static String replIn(String cluster, String region, int skip) {
    int found = 0;
    for (int i = 0; ; i++) {
      String id = "r-" + cluster + "-" + i;
      if (clusterOf(id, region).equals(cluster) && found++ == skip) {
        return id;
      }
    }
  }

  // ---- CreateRepl ----------------------------------------------------------------------------

  @Test
  void createRepl_placesReplInItsHashedCluster() {
    CallContext c = ctx();
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "owner-1", "my-app", "us"), c);

    assertThat(repl)
        .isEqualTo(
            new Repl("r-1", "owner-1", "my-app", "us", clusterOf("r-1", "us"), null, c.now()));
  }

  @Test
  void createRepl_manyRepls_useEveryClusterOfTheRegion() {
    Map<String, Integer> perCluster = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      perCluster.merge(createRepl("r-" + i, "us").cluster(), 1, Integer::sum);
    }
    assertThat(perCluster).containsOnlyKeys("us-1", "us-2", "us-3");
    assertThat(perCluster.values()).allSatisfy(n -> assertThat(n).isBetween(50, 150));
  }

  @Test
  void createRepl_takenReplId_isAlreadyExists() {
    createRepl("r-1", "us");
    assertError(
        () -> plane.createRepl(new CreateReplRequest("r-1", "owner-2", "other-slug", "us"), ctx()),
        Errors.replExists("r-1"));
  }

  @Test
  void createRepl_takenSlug_isAlreadyExistsAndCreatesNothing() {
    plane.createRepl(new CreateReplRequest("r-1", "owner-1", "my-app", "us"), ctx());
    assertError(
        () -> plane.createRepl(new CreateReplRequest("r-2", "owner-2", "my-app", "asia"), ctx()),
        Errors.slugTaken("my-app"));
    assertError(() -> plane.getRepl(new GetReplRequest("r-2"), ctx()), Errors.replNotFound("r-2"));
  }

  @Test
  void createRepl_unknownRegion_isInvalidArgument() {
    assertError(
        () -> plane.createRepl(new CreateReplRequest("r-1", "owner-1", "my-app", "mars"), ctx()),
        Errors.unknownRegion("mars"));
  }

  @Test
  void createRepl_missingField_isInvalidArgument() {
    assertError(
        () -> plane.createRepl(new CreateReplRequest("r-1", null, "my-app", "us"), ctx()),
        Errors.missingField("ownerId"));
  }

  @Test
  void createRepl_malformedSlugOrId_isInvalidArgument() {
    assertCode(
        () -> plane.createRepl(new CreateReplRequest("r-1", "o", "My App", "us"), ctx()),
        ErrorCode.INVALID_ARGUMENT);
    assertCode(
        () -> plane.createRepl(new CreateReplRequest("r 1", "o", "my-app", "us"), ctx()),
        ErrorCode.INVALID_ARGUMENT);
  }

  // ---- GetRepl -------------------------------------------------------------------------------

  @Test
  void getRepl_returnsTheCreatedRepl() {
    Repl created = createRepl("r-1", "asia");
    assertThat(plane.getRepl(new GetReplRequest("r-1"), ctx())).isEqualTo(created);
  }

  @Test
  void getRepl_unknown_isNotFound() {
    assertError(
        () -> plane.getRepl(new GetReplRequest("nope"), ctx()), Errors.replNotFound("nope"));
  }

  // ---- RegisterMachine / Heartbeat / DrainMachine --------------------------------------------

  @Test
  void registerMachine_newMachine_isActiveWithNoLoad() {
    CallContext c = ctx();
    Machine m = plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 8), c);
    assertThat(m)
        .isEqualTo(
            new Machine(
                "m-1", "us-1", "10.0.0.1", 8, MachineState.ACTIVE, 0.0, 0, c.now(), c.now()));
  }

  @Test
  void registerMachine_again_isIdempotent() {
    Machine first =
        plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 8), ctx());
    Machine again =
        plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 8), ctx());
    assertThat(again).isEqualTo(first);
  }

  @Test
  void registerMachine_newAddressAndCapacity_updatesThemAndKeepsTheRest() {
    Machine first =
        plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 8), ctx());
    CallContext beat = ctx();
    plane.heartbeat(new HeartbeatRequest("m-1", 42.5), beat);
    plane.drainMachine(new DrainMachineRequest("m-1"), ctx());

    Machine again =
        plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.9", 16), ctx());

    assertThat(again)
        .isEqualTo(
            new Machine(
                "m-1",
                "us-1",
                "10.0.0.9",
                16,
                MachineState.DRAINING,
                42.5,
                0,
                first.registeredAt(),
                beat.now()));
  }

  @Test
  void registerMachine_inAnotherCluster_isFailedPrecondition() {
    register("m-1", "us-1", 8);
    assertError(
        () ->
            plane.registerMachine(new RegisterMachineRequest("m-1", "us-2", "10.0.0.1", 8), ctx()),
        Errors.machineInOtherCluster("m-1", "us-1"));
  }

  @Test
  void registerMachine_unknownCluster_isInvalidArgument() {
    assertError(
        () ->
            plane.registerMachine(new RegisterMachineRequest("m-1", "eu-1", "10.0.0.1", 8), ctx()),
        Errors.unknownCluster("eu-1"));
  }

  @Test
  void registerMachine_badCapacity_isInvalidArgument() {
    assertCode(
        () ->
            plane.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 0), ctx()),
        ErrorCode.INVALID_ARGUMENT);
    assertError(
        () ->
            plane.registerMachine(
                new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", null), ctx()),
        Errors.missingField("capacity"));
  }

  @Test
  void heartbeat_setsCpuAndLastHeartbeat() {
    Machine m = register("m-1", "us-1", 8);
    CallContext c = ctx();
    Machine beat = plane.heartbeat(new HeartbeatRequest("m-1", 73.25), c);
    assertThat(beat.cpuPercent()).isEqualTo(73.25);
    assertThat(beat.lastHeartbeatAt()).isEqualTo(c.now());
    assertThat(beat.registeredAt()).isEqualTo(m.registeredAt());
  }

  @Test
  void heartbeat_unknownMachine_isNotFound() {
    assertError(
        () -> plane.heartbeat(new HeartbeatRequest("m-x", 1.0), ctx()),
        Errors.machineNotFound("m-x"));
  }

  @Test
  void heartbeat_cpuOutOfRange_isInvalidArgument() {
    register("m-1", "us-1", 8);
    assertCode(
        () -> plane.heartbeat(new HeartbeatRequest("m-1", 100.5), ctx()),
        ErrorCode.INVALID_ARGUMENT);
    assertCode(
        () -> plane.heartbeat(new HeartbeatRequest("m-1", -1.0), ctx()),
        ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void drainMachine_setsDraining_andIsIdempotent() {
    register("m-1", "us-1", 8);
    Machine drained = plane.drainMachine(new DrainMachineRequest("m-1"), ctx());
    assertThat(drained.state()).isEqualTo(MachineState.DRAINING);
    assertThat(plane.drainMachine(new DrainMachineRequest("m-1"), ctx())).isEqualTo(drained);
  }

  @Test
  void drainMachine_unknown_isNotFound() {
    assertError(
        () -> plane.drainMachine(new DrainMachineRequest("m-x"), ctx()),
        Errors.machineNotFound("m-x"));
  }

  // ---- ListMachines --------------------------------------------------------------------------

  @Test
  void listMachines_areOrderedByMachineId_withTheirRunningContainers() {
    String replId = replIn("us-2", "us", 0);
    createRepl(replId, "us");
    register("m-b", "us-2", 4);
    register("m-c", "us-2", 4);
    register("m-a", "us-2", 4);
    register("m-z", "us-1", 4);
    String placedOn = connect(replId).container().machineId();

    List<Machine> listed = machines("us-2");

    assertThat(listed).extracting(Machine::machineId).containsExactly("m-a", "m-b", "m-c");
    assertThat(listed)
        .allSatisfy(
            m ->
                assertThat(m.runningContainers())
                    .isEqualTo(m.machineId().equals(placedOn) ? 1 : 0));
  }

  @Test
  void listMachines_emptyCluster_isEmpty() {
    assertThat(machines("asia-2")).isEmpty();
  }

  @Test
  void listMachines_unknownCluster_isInvalidArgument() {
    assertError(
        () -> plane.listMachines(new ListMachinesRequest("nowhere"), ctx()),
        Errors.unknownCluster("nowhere"));
  }

  // ---- ConnectRepl ---------------------------------------------------------------------------

  @Test
  void connectRepl_placesANewContainerWhereThePlacementRuleSays() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 6, 4);
    List<Machine> before = machines(repl.cluster());

    CallContext c = ctx();
    ConnectReplResponse r = plane.connectRepl(new ConnectReplRequest("r-1"), c);

    String expected = Placement.choose("r-1", before).orElseThrow().machineId();
    assertThat(r.created()).isTrue();
    assertThat(r.transferred()).isFalse();
    assertThat(r.container())
        .isEqualTo(
            new Container(
                Ids.containerId(c.requestId()),
                "r-1",
                expected,
                repl.cluster(),
                ContainerState.RUNNING,
                c.now(),
                null));
  }

  @Test
  void connectRepl_again_answersTheRunningContainer() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 3, 4);
    Container first = connect("r-1").container();

    ConnectReplResponse again = connect("r-1");

    assertThat(again).isEqualTo(new ConnectReplResponse(first, false, false));
    assertThat(containersOfRepl("r-1")).containsExactly(first);
  }

  @Test
  void connectRepl_unknownRepl_isNotFound() {
    assertError(() -> connect("r-x"), Errors.replNotFound("r-x"));
  }

  @Test
  void connectRepl_noMachines_isFailedPrecondition() {
    Repl repl = createRepl("r-1", "us");
    assertError(() -> connect("r-1"), Errors.noCapacity("r-1", repl.cluster()));
  }

  @Test
  void connectRepl_allMachinesFullOrDraining_isFailedPrecondition() {
    String a = replIn("us-1", "us", 0);
    String b = replIn("us-1", "us", 1);
    createRepl(a, "us");
    createRepl(b, "us");
    register("m-full", "us-1", 1);
    register("m-drained", "us-1", 5);
    plane.drainMachine(new DrainMachineRequest("m-drained"), ctx());
    assertThat(connect(a).container().machineId()).isEqualTo("m-full");

    assertError(() -> connect(b), Errors.noCapacity(b, "us-1"));
    assertThat(containersOfRepl(b)).isEmpty();
  }

  @Test
  void connectRepl_spreadsLoadAcrossTheSubset() {
    List<String> repls = new java.util.ArrayList<>();
    for (int i = 0; i < 9; i++) {
      repls.add(replIn("asia-1", "asia", i));
      createRepl(repls.get(i), "asia");
    }
    register("m-1", "asia-1", 10);
    register("m-2", "asia-1", 10);
    register("m-3", "asia-1", 10);

    repls.forEach(this::connect);

    assertThat(machines("asia-1")).extracting(Machine::runningContainers).containsExactly(3, 3, 3);
  }

  @Test
  void connectRepl_afterStop_createsANewContainer() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 2, 4);
    Container first = connect("r-1").container();
    plane.stopContainer(new StopContainerRequest(first.containerId()), ctx());

    ConnectReplResponse second = connect("r-1");

    assertThat(second.created()).isTrue();
    assertThat(second.container().containerId()).isNotEqualTo(first.containerId());
    assertThat(containersOfRepl("r-1"))
        .extracting(Container::state)
        .containsExactly(ContainerState.STOPPED, ContainerState.RUNNING);
  }

  @Test
  void connectRepl_requestIdThatAlreadyNamedAContainer_isAlreadyExists() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 2, 4);
    Container first =
        plane.connectRepl(new ConnectReplRequest("r-1"), ctxWithId("fixed-id")).container();
    plane.stopContainer(new StopContainerRequest(first.containerId()), ctx());

    assertCode(
        () -> plane.connectRepl(new ConnectReplRequest("r-1"), ctxWithId("fixed-id")),
        ErrorCode.ALREADY_EXISTS);
    assertThat(containersOfRepl("r-1")).hasSize(1);
  }

  @Test
  void connectRepl_withPendingLazyTransfer_movesTheReplAndLeavesATombstone() {
    String replId = replIn("us-1", "us", 0);
    createRepl(replId, "us");
    register("m-asia", "asia-2", 4);
    plane.transferRepl(new TransferReplRequest(replId, "asia-2", true), ctx());

    CallContext c = ctx();
    ConnectReplResponse r = plane.connectRepl(new ConnectReplRequest(replId), c);

    assertThat(r.transferred()).isTrue();
    assertThat(r.created()).isTrue();
    assertThat(r.container().cluster()).isEqualTo("asia-2");
    assertThat(r.container().machineId()).isEqualTo("m-asia");
    Repl moved = plane.getRepl(new GetReplRequest(replId), ctx());
    assertThat(moved.cluster()).isEqualTo("asia-2");
    assertThat(moved.region()).isEqualTo("asia");
    assertThat(moved.pendingTransferTo()).isNull();
    ResolveClusterResponse resolved =
        plane.resolveCluster(new ResolveClusterRequest(replId), ctx());
    assertThat(resolved)
        .isEqualTo(
            new ResolveClusterResponse(
                "asia-2",
                new Tombstone(
                    replId,
                    "us-1",
                    "asia-2",
                    c.now(),
                    c.now().plusSeconds(TransferReplRequest.DEFAULT_TOMBSTONE_TTL_SECONDS))));
  }

  @Test
  void connectRepl_lazyTransferWithoutCapacity_changesNothing() {
    String replId = replIn("us-1", "us", 0);
    createRepl(replId, "us");
    register("m-us", "us-1", 4);
    Repl pending = plane.transferRepl(new TransferReplRequest(replId, "asia-1", true), ctx());

    assertError(() -> connect(replId), Errors.noCapacity(replId, "asia-1"));

    assertThat(plane.getRepl(new GetReplRequest(replId), ctx())).isEqualTo(pending);
    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()))
        .isEqualTo(new ResolveClusterResponse("us-1", null));
    assertThat(containersOfRepl(replId)).isEmpty();
  }

  @Test
  void connectRepl_runningContainer_lazyTransferWaitsForTheNextStart() {
    String replId = replIn("us-1", "us", 0);
    createRepl(replId, "us");
    register("m-us", "us-1", 4);
    register("m-asia", "asia-1", 4);
    Container running = connect(replId).container();
    plane.transferRepl(new TransferReplRequest(replId, "asia-1", true), ctx());

    assertThat(connect(replId)).isEqualTo(new ConnectReplResponse(running, false, false));

    plane.stopContainer(new StopContainerRequest(running.containerId()), ctx());
    ConnectReplResponse next = connect(replId);
    assertThat(next.transferred()).isTrue();
    assertThat(next.container().machineId()).isEqualTo("m-asia");
  }

  // ---- ConnectRepl with a placement decided elsewhere -----------------------------------------

  private ConnectReplResponse connectAt(String replId, String machineId) {
    return plane.connectRepl(
        new ConnectReplRequest(replId, new ContainerPlacement(machineId, null)), ctx());
  }

  @Test
  void connectRepl_givenPlacement_isAppliedEvenOnAFullOrDrainingMachine() {
    String a = replIn("us-1", "us", 0);
    String b = replIn("us-1", "us", 1);
    String c = replIn("us-1", "us", 2);
    List.of(a, b, c).forEach(id -> createRepl(id, "us"));
    register("m-drained", "us-1", 5);
    register("m-free", "us-1", 5);
    register("m-full", "us-1", 1);
    plane.drainMachine(new DrainMachineRequest("m-drained"), ctx());
    assertThat(connectAt(a, "m-full").container().machineId()).isEqualTo("m-full");

    CallContext onFull = ctx();
    ConnectReplResponse full =
        plane.connectRepl(
            new ConnectReplRequest(b, new ContainerPlacement("m-full", null)), onFull);
    ConnectReplResponse drained = connectAt(c, "m-drained");

    assertThat(full)
        .isEqualTo(
            new ConnectReplResponse(
                new Container(
                    Ids.containerId(onFull.requestId()),
                    b,
                    "m-full",
                    "us-1",
                    ContainerState.RUNNING,
                    onFull.now(),
                    null),
                true,
                false,
                // Left to itself, the backend would have taken the only ACTIVE machine with room.
                new PlacementUse(true, "m-free")));
    assertThat(drained.container().machineId()).isEqualTo("m-drained");
    assertThat(drained.placementUse()).isEqualTo(new PlacementUse(true, "m-free"));
    assertThat(machines("us-1"))
        .extracting(Machine::machineId, Machine::runningContainers)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("m-drained", 1),
            org.assertj.core.groups.Tuple.tuple("m-free", 0),
            org.assertj.core.groups.Tuple.tuple("m-full", 2));
  }

  @Test
  void connectRepl_givenPlacementInAnotherClusterOrUnknown_decidesItself() {
    String a = replIn("us-1", "us", 0);
    String b = replIn("us-1", "us", 1);
    createRepl(a, "us");
    createRepl(b, "us");
    register("m-us", "us-1", 4);
    register("m-asia", "asia-1", 4);

    ConnectReplResponse elsewhere = connectAt(a, "m-asia");
    ConnectReplResponse unknown = connectAt(b, "m-none");

    assertThat(elsewhere.container().machineId()).isEqualTo("m-us");
    assertThat(elsewhere.container().cluster()).isEqualTo("us-1");
    assertThat(elsewhere.placementUse()).isEqualTo(new PlacementUse(false, "m-us"));
    assertThat(unknown.container().machineId()).isEqualTo("m-us");
    assertThat(unknown.placementUse()).isEqualTo(new PlacementUse(false, "m-us"));
    assertThat(containersOfMachine("m-asia")).isEmpty();
  }

  @Test
  void connectRepl_givenPlacementThatCannotApply_withoutCapacity_isFailedPrecondition() {
    String a = replIn("us-1", "us", 0);
    createRepl(a, "us");
    register("m-drained", "us-1", 4);
    register("m-asia", "asia-1", 4);
    plane.drainMachine(new DrainMachineRequest("m-drained"), ctx());

    assertError(() -> connectAt(a, "m-asia"), Errors.noCapacity(a, "us-1"));
    assertThat(containersOfRepl(a)).isEmpty();
  }

  @Test
  void connectRepl_givenPlacement_withARunningContainer_answersTheRunningOne() {
    String a = replIn("us-1", "us", 0);
    createRepl(a, "us");
    register("m-1", "us-1", 4);
    register("m-2", "us-1", 4);
    Container running = connect(a).container();
    String other = running.machineId().equals("m-1") ? "m-2" : "m-1";

    ConnectReplResponse again = connectAt(a, other);

    assertThat(again).isEqualTo(new ConnectReplResponse(running, false, false));
    assertThat(again.placementUse()).isNull();
    assertThat(containersOfRepl(a)).containsExactly(running);
    assertThat(containersOfMachine(other)).isEmpty();
  }

  @Test
  void connectRepl_givenPlacementWithAContainerId_namesTheContainerSo() {
    String a = replIn("us-1", "us", 0);
    createRepl(a, "us");
    register("m-1", "us-1", 4);

    ConnectReplResponse r =
        plane.connectRepl(
            new ConnectReplRequest(a, new ContainerPlacement("m-1", "ctr-decided")), ctx());

    assertThat(r.container().containerId()).isEqualTo("ctr-decided");
    assertThat(plane.stopContainer(new StopContainerRequest("ctr-decided"), ctx()).state())
        .isEqualTo(ContainerState.STOPPED);
    assertError(
        () ->
            plane.connectRepl(
                new ConnectReplRequest(a, new ContainerPlacement("m-1", "ctr-decided")), ctx()),
        Errors.containerExists("ctr-decided"));
  }

  @Test
  void connectRepl_givenPlacement_withPendingTransfer_isAppliedInTheTargetCluster() {
    String a = replIn("us-1", "us", 0);
    String b = replIn("us-1", "us", 1);
    createRepl(a, "us");
    createRepl(b, "us");
    register("m-us", "us-1", 4);
    register("m-asia-1", "asia-2", 4);
    register("m-asia-2", "asia-2", 1);
    plane.transferRepl(new TransferReplRequest(a, "asia-2", true), ctx());
    plane.transferRepl(new TransferReplRequest(b, "asia-2", true), ctx());
    connectAt(a, "m-asia-2");

    // m-asia-2 is full: applied all the same, and the transfer with it.
    ConnectReplResponse onTarget = connectAt(b, "m-asia-2");

    assertThat(onTarget.transferred()).isTrue();
    assertThat(onTarget.container().machineId()).isEqualTo("m-asia-2");
    assertThat(onTarget.container().cluster()).isEqualTo("asia-2");
    assertThat(plane.getRepl(new GetReplRequest(b), ctx()).cluster()).isEqualTo("asia-2");
  }

  @Test
  void connectRepl_givenPlacement_inTheOldClusterOfAPendingTransfer_decidesInTheTarget() {
    String a = replIn("us-1", "us", 0);
    createRepl(a, "us");
    register("m-us", "us-1", 4);
    register("m-asia", "asia-2", 4);
    plane.transferRepl(new TransferReplRequest(a, "asia-2", true), ctx());

    ConnectReplResponse r = connectAt(a, "m-us");

    assertThat(r.transferred()).isTrue();
    assertThat(r.container().machineId()).isEqualTo("m-asia");
    assertThat(r.placementUse()).isEqualTo(new PlacementUse(false, "m-asia"));
  }

  @Test
  void connectRepl_malformedPlacement_isInvalidArgument() {
    createRepl("r-1", "us");
    assertError(
        () ->
            plane.connectRepl(
                new ConnectReplRequest("r-1", new ContainerPlacement(null, null)), ctx()),
        Errors.missingField("placement.machineId"));
    assertCode(
        () ->
            plane.connectRepl(
                new ConnectReplRequest("r-1", new ContainerPlacement("m:1", null)), ctx()),
        ErrorCode.INVALID_ARGUMENT);
    assertCode(
        () ->
            plane.connectRepl(
                new ConnectReplRequest("r-1", new ContainerPlacement("m-1", "")), ctx()),
        ErrorCode.INVALID_ARGUMENT);
  }

  // ---- StopContainer -------------------------------------------------------------------------

  @Test
  void stopContainer_stopsItAndFreesTheMachine() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 1, 4);
    Container c = connect("r-1").container();

    CallContext stop = ctx();
    Container stopped = plane.stopContainer(new StopContainerRequest(c.containerId()), stop);

    assertThat(stopped).isEqualTo(c.stopped(stop.now()));
    assertThat(machines(repl.cluster()).get(0).runningContainers()).isZero();
  }

  @Test
  void stopContainer_again_isIdempotent() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 1, 4);
    Container c = connect("r-1").container();
    Container stopped = plane.stopContainer(new StopContainerRequest(c.containerId()), ctx());

    assertThat(plane.stopContainer(new StopContainerRequest(c.containerId()), ctx()))
        .isEqualTo(stopped);
  }

  @Test
  void stopContainer_unknown_isNotFound() {
    assertError(
        () -> plane.stopContainer(new StopContainerRequest("ctr-none"), ctx()),
        Errors.containerNotFound("ctr-none"));
  }

  // ---- ListContainers ------------------------------------------------------------------------

  @Test
  void listContainers_byRepl_areInStartOrder() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 3, 4);
    Container a = connect("r-1").container();
    Container aStopped = plane.stopContainer(new StopContainerRequest(a.containerId()), ctx());
    Container b = connect("r-1").container();

    assertThat(containersOfRepl("r-1")).containsExactly(aStopped, b);
  }

  @Test
  void listContainers_byMachine_areInStartOrder() {
    String r1 = replIn("us-3", "us", 0);
    String r2 = replIn("us-3", "us", 1);
    createRepl(r1, "us");
    createRepl(r2, "us");
    register("m-1", "us-3", 8);
    Container c1 = connect(r1).container();
    Container c2 = connect(r2).container();

    assertThat(containersOfMachine("m-1")).containsExactly(c1, c2);
    assertThat(containersOfMachine("m-1")).extracting(Container::startedAt).isSorted();
  }

  @Test
  void listContainers_sameStartTime_areOrderedByContainerId() {
    String r1 = replIn("us-3", "us", 0);
    String r2 = replIn("us-3", "us", 1);
    createRepl(r1, "us");
    createRepl(r2, "us");
    register("m-1", "us-3", 8);
    Instant at = lastNow().plusSeconds(10);
    plane.connectRepl(new ConnectReplRequest(r1), new CallContext("zzz", at));
    plane.connectRepl(new ConnectReplRequest(r2), new CallContext("aaa", at));

    assertThat(containersOfMachine("m-1"))
        .extracting(Container::containerId)
        .isSortedAccordingTo(String::compareTo)
        .containsExactlyInAnyOrder(Ids.containerId("zzz"), Ids.containerId("aaa"));
  }

  @Test
  void listContainers_neitherOrBoth_isInvalidArgument() {
    assertCode(
        () -> plane.listContainers(new ListContainersRequest(null, null), ctx()),
        ErrorCode.INVALID_ARGUMENT);
    assertCode(
        () -> plane.listContainers(new ListContainersRequest("r-1", "m-1"), ctx()),
        ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void listContainers_unknownReplOrMachine_isNotFound() {
    assertError(() -> containersOfRepl("r-x"), Errors.replNotFound("r-x"));
    assertError(() -> containersOfMachine("m-x"), Errors.machineNotFound("m-x"));
  }

  @Test
  void listContainers_knownButEmpty_isEmpty() {
    createRepl("r-1", "us");
    register("m-1", "us-1", 2);
    assertThat(containersOfRepl("r-1")).isEmpty();
    assertThat(containersOfMachine("m-1")).isEmpty();
  }

  // ---- GetHostingMetadata --------------------------------------------------------------------

  @Test
  void hostingMetadata_coldRepl_hasNoContainer() {
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "my-site", "us"), ctx());
    assertThat(plane.getHostingMetadata(new GetHostingMetadataRequest("my-site"), ctx()))
        .isEqualTo(new HostingMetadata("r-1", repl.cluster(), HostingState.COLD, null, null));
  }

  @Test
  void hostingMetadata_runningRepl_routesToTheMachinesCurrentAddress() {
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "my-site", "us"), ctx());
    plane.registerMachine(new RegisterMachineRequest("m-1", repl.cluster(), "10.0.0.1", 4), ctx());
    Container c = connect("r-1").container();
    plane.registerMachine(new RegisterMachineRequest("m-1", repl.cluster(), "10.0.0.2", 4), ctx());

    assertThat(plane.getHostingMetadata(new GetHostingMetadataRequest("my-site"), ctx()))
        .isEqualTo(
            new HostingMetadata(
                "r-1", repl.cluster(), HostingState.RUNNING, c.containerId(), "10.0.0.2"));
  }

  @Test
  void hostingMetadata_afterStop_isCold() {
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "my-site", "us"), ctx());
    machinesFor(repl, 1, 4);
    Container c = connect("r-1").container();
    plane.stopContainer(new StopContainerRequest(c.containerId()), ctx());

    assertThat(plane.getHostingMetadata(new GetHostingMetadataRequest("my-site"), ctx()).state())
        .isEqualTo(HostingState.COLD);
  }

  @Test
  void hostingMetadata_unknownSlug_isNotFound() {
    assertError(
        () -> plane.getHostingMetadata(new GetHostingMetadataRequest("no-such"), ctx()),
        Errors.slugNotFound("no-such"));
  }

  // ---- ResolveCluster and tombstones ---------------------------------------------------------

  @Test
  void resolveCluster_neverMoved_hasNoTombstone() {
    Repl repl = createRepl("r-1", "asia");
    assertThat(plane.resolveCluster(new ResolveClusterRequest("r-1"), ctx()))
        .isEqualTo(new ResolveClusterResponse(repl.cluster(), null));
  }

  @Test
  void resolveCluster_unknown_isNotFound() {
    assertError(
        () -> plane.resolveCluster(new ResolveClusterRequest("r-x"), ctx()),
        Errors.replNotFound("r-x"));
  }

  @Test
  void resolveCluster_afterTombstoneExpiry_byCallTime_hasNoTombstone() {
    String replId = replIn("us-1", "us", 0);
    createRepl(replId, "us");
    plane.transferRepl(new TransferReplRequest(replId, "us-2", false, 60L), ctx());
    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()).tombstone())
        .isNotNull();

    advance(Duration.ofSeconds(60));

    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()))
        .isEqualTo(new ResolveClusterResponse("us-2", null));
  }

  @Test
  void tombstone_expiresAfterItsTtl() {
    String replId = replIn("us-1", "us", 0);
    createRepl(replId, "us");
    Instant start = Instant.now();
    plane.transferRepl(
        new TransferReplRequest(replId, "us-3", false, 1L), new CallContext("move", start));
    Supplier<Tombstone> tombstoneNow =
        () ->
            plane
                .resolveCluster(
                    new ResolveClusterRequest(replId), new CallContext("q", Instant.now()))
                .tombstone();
    assertThat(
            plane
                .resolveCluster(new ResolveClusterRequest(replId), new CallContext("q0", start))
                .tombstone())
        .isNotNull();

    await().atMost(Duration.ofSeconds(5)).until(() -> tombstoneNow.get() == null);
  }

  // ---- TransferRepl --------------------------------------------------------------------------

  @Test
  void transferRepl_eager_movesNowStopsTheContainerAndLeavesATombstone() {
    String replId = replIn("us-1", "us", 0);
    Repl repl = createRepl(replId, "us");
    register("m-us", "us-1", 4);
    Container running = connect(replId).container();

    CallContext c = ctx();
    Repl moved = plane.transferRepl(new TransferReplRequest(replId, "asia-1", false, 120L), c);

    assertThat(moved)
        .isEqualTo(
            new Repl(
                replId, repl.ownerId(), repl.slug(), "asia", "asia-1", null, repl.createdAt()));
    assertThat(containersOfRepl(replId)).containsExactly(running.stopped(c.now()));
    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()))
        .isEqualTo(
            new ResolveClusterResponse(
                "asia-1",
                new Tombstone(replId, "us-1", "asia-1", c.now(), c.now().plusSeconds(120))));
    assertThat(plane.getHostingMetadata(new GetHostingMetadataRequest(repl.slug()), ctx()).state())
        .isEqualTo(HostingState.COLD);
  }

  @Test
  void transferRepl_lazy_marksPendingAndMovesNothing() {
    String replId = replIn("us-1", "us", 0);
    Repl repl = createRepl(replId, "us");

    Repl pending = plane.transferRepl(new TransferReplRequest(replId, "asia-2", true), ctx());

    assertThat(pending).isEqualTo(repl.withPendingTransferTo("asia-2"));
    assertThat(plane.getRepl(new GetReplRequest(replId), ctx())).isEqualTo(pending);
    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()))
        .isEqualTo(new ResolveClusterResponse("us-1", null));
  }

  @Test
  void transferRepl_toItsOwnCluster_cancelsAPendingTransfer() {
    String replId = replIn("us-1", "us", 0);
    Repl repl = createRepl(replId, "us");
    plane.transferRepl(new TransferReplRequest(replId, "asia-2", true), ctx());

    assertThat(plane.transferRepl(new TransferReplRequest(replId, "us-1", false), ctx()))
        .isEqualTo(repl);
    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()).tombstone()).isNull();
  }

  @Test
  void transferRepl_eager_clearsAPendingTransfer_andReplacesTheEarlierTombstone() {
    String replId = replIn("us-1", "us", 0);
    createRepl(replId, "us");
    plane.transferRepl(new TransferReplRequest(replId, "us-2", false), ctx());
    plane.transferRepl(new TransferReplRequest(replId, "asia-2", true), ctx());

    CallContext c = ctx();
    Repl moved = plane.transferRepl(new TransferReplRequest(replId, "us-3", false), c);

    assertThat(moved.cluster()).isEqualTo("us-3");
    assertThat(moved.pendingTransferTo()).isNull();
    assertThat(plane.resolveCluster(new ResolveClusterRequest(replId), ctx()).tombstone())
        .isEqualTo(
            new Tombstone(replId, "us-2", "us-3", c.now(), c.now().plus(Duration.ofHours(1))));
  }

  @Test
  void transferRepl_unknownReplOrCluster_isAnError() {
    createRepl("r-1", "us");
    assertError(
        () -> plane.transferRepl(new TransferReplRequest("r-x", "us-1", false), ctx()),
        Errors.replNotFound("r-x"));
    assertError(
        () -> plane.transferRepl(new TransferReplRequest("r-1", "eu-9", false), ctx()),
        Errors.unknownCluster("eu-9"));
    // Topology is checked before existence.
    assertError(
        () -> plane.transferRepl(new TransferReplRequest("r-x", "eu-9", false), ctx()),
        Errors.unknownCluster("eu-9"));
  }

  @Test
  void transferRepl_badTtl_isInvalidArgument() {
    createRepl("r-1", "us");
    assertCode(
        () -> plane.transferRepl(new TransferReplRequest("r-1", "us-2", false, 0L), ctx()),
        ErrorCode.INVALID_ARGUMENT);
  }

  // ---- JSON ----------------------------------------------------------------------------------

  @Test
  void answers_serializeToTheContractsJson() {
    Repl repl = createRepl("r-1", "us");
    machinesFor(repl, 1, 4);
    ConnectReplResponse r = connect("r-1");

    JsonNode json = ControlApiJson.mapper().valueToTree(r);

    Set<String> containerFields = new HashSet<>();
    json.get("container").fieldNames().forEachRemaining(containerFields::add);
    assertThat(containerFields)
        .containsExactlyInAnyOrder(
            "containerId", "replId", "machineId", "cluster", "state", "startedAt", "stoppedAt");
    assertThat(json.get("container").get("stoppedAt").isNull()).isTrue();
    assertThat(json.get("container").get("startedAt").asText())
        .isEqualTo(r.container().startedAt().toString());
    assertThat(json.get("created").asBoolean()).isTrue();
  }
}
