package io.strangler.api;

import io.strangler.api.model.Container;
import io.strangler.api.model.Machine;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListContainersResponse;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.ListMachinesResponse;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.ResolveClusterResponse;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;

/**
 * The control API v1 (see docs/control-api.md). Implemented once over Redis (legacy) and once over
 * PostgreSQL (the new control plane); both answer the same call on the same state with the same
 * value. Every method validates its request first and throws {@link ControlPlaneException} with one
 * of the contract's codes; store failures surface as UNAVAILABLE or INTERNAL.
 */
public interface ControlPlane extends AutoCloseable {

  /** A short name for logs and errors: "legacy" or "controlplane". */
  String name();

  /** Installs the region/cluster topology. Not an API operation: configuration both share. */
  void applyTopology(Topology topology);

  Topology topology();

  /**
   * A cheap round trip to the store, for readiness checks: returns normally when the store answers,
   * throws {@link ControlPlaneException} (UNAVAILABLE) when it does not.
   */
  void ping();

  Repl createRepl(CreateReplRequest request, CallContext ctx);

  Repl getRepl(GetReplRequest request, CallContext ctx);

  Machine registerMachine(RegisterMachineRequest request, CallContext ctx);

  Machine heartbeat(HeartbeatRequest request, CallContext ctx);

  Machine drainMachine(DrainMachineRequest request, CallContext ctx);

  ListMachinesResponse listMachines(ListMachinesRequest request, CallContext ctx);

  ConnectReplResponse connectRepl(ConnectReplRequest request, CallContext ctx);

  Container stopContainer(StopContainerRequest request, CallContext ctx);

  ListContainersResponse listContainers(ListContainersRequest request, CallContext ctx);

  HostingMetadata getHostingMetadata(GetHostingMetadataRequest request, CallContext ctx);

  ResolveClusterResponse resolveCluster(ResolveClusterRequest request, CallContext ctx);

  Repl transferRepl(TransferReplRequest request, CallContext ctx);

  @Override
  void close();
}
