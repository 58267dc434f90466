package io.strangler.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.Request;
import io.strangler.api.ops.Requests;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One API of the contract: its name (the path segment and the flag name), whether it writes, its
 * request type and how to invoke it on a {@link ControlPlane}. Each gets its own runtime flag.
 */
public record Operation<Q extends Request>(
    String name, Kind kind, Class<Q> requestType, Invoker<Q> invoker) {

  public enum Kind {
    READ,
    WRITE
  }

  @FunctionalInterface
  public interface Invoker<Q> {
    Object invoke(ControlPlane plane, Q request, CallContext ctx);
  }

  public static final Operation<CreateReplRequest> CREATE_REPL =
      new Operation<>("CreateRepl", Kind.WRITE, CreateReplRequest.class, ControlPlane::createRepl);
  public static final Operation<GetReplRequest> GET_REPL =
      new Operation<>("GetRepl", Kind.READ, GetReplRequest.class, ControlPlane::getRepl);
  public static final Operation<RegisterMachineRequest> REGISTER_MACHINE =
      new Operation<>(
          "RegisterMachine",
          Kind.WRITE,
          RegisterMachineRequest.class,
          ControlPlane::registerMachine);
  public static final Operation<HeartbeatRequest> HEARTBEAT =
      new Operation<>("Heartbeat", Kind.WRITE, HeartbeatRequest.class, ControlPlane::heartbeat);
  public static final Operation<DrainMachineRequest> DRAIN_MACHINE =
      new Operation<>(
          "DrainMachine", Kind.WRITE, DrainMachineRequest.class, ControlPlane::drainMachine);
  public static final Operation<ListMachinesRequest> LIST_MACHINES =
      new Operation<>(
          "ListMachines", Kind.READ, ListMachinesRequest.class, ControlPlane::listMachines);
  public static final Operation<ConnectReplRequest> CONNECT_REPL =
      new Operation<>(
          "ConnectRepl", Kind.WRITE, ConnectReplRequest.class, ControlPlane::connectRepl);
  public static final Operation<StopContainerRequest> STOP_CONTAINER =
      new Operation<>(
          "StopContainer", Kind.WRITE, StopContainerRequest.class, ControlPlane::stopContainer);
  public static final Operation<ListContainersRequest> LIST_CONTAINERS =
      new Operation<>(
          "ListContainers", Kind.READ, ListContainersRequest.class, ControlPlane::listContainers);
  public static final Operation<GetHostingMetadataRequest> GET_HOSTING_METADATA =
      new Operation<>(
          "GetHostingMetadata",
          Kind.READ,
          GetHostingMetadataRequest.class,
          ControlPlane::getHostingMetadata);
  public static final Operation<ResolveClusterRequest> RESOLVE_CLUSTER =
      new Operation<>(
          "ResolveCluster", Kind.READ, ResolveClusterRequest.class, ControlPlane::resolveCluster);
  public static final Operation<TransferReplRequest> TRANSFER_REPL =
      new Operation<>(
          "TransferRepl", Kind.WRITE, TransferReplRequest.class, ControlPlane::transferRepl);

  /** Every operation of the control API v1, in the order docs/control-api.md lists them. */
  public static final List<Operation<?>> ALL =
      List.of(
          CREATE_REPL,
          GET_REPL,
          REGISTER_MACHINE,
          HEARTBEAT,
          DRAIN_MACHINE,
          LIST_MACHINES,
          CONNECT_REPL,
          STOP_CONTAINER,
          LIST_CONTAINERS,
          GET_HOSTING_METADATA,
          RESOLVE_CLUSTER,
          TRANSFER_REPL);

  private static final Map<String, Operation<?>> BY_NAME =
      ALL.stream().collect(Collectors.toUnmodifiableMap(Operation::name, Function.identity()));

  public static Optional<Operation<?>> byName(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  public boolean isWrite() {
    return kind == Kind.WRITE;
  }

  /**
   * This operation's request read from its JSON body by the contract's input rules (no type
   * coercion, then the request's field checks).
   *
   * @throws ControlPlaneException INVALID_ARGUMENT naming the field at fault
   */
  public Q parse(JsonNode body) {
    return Requests.read(requestType, body);
  }

  /** Invokes this operation on {@code plane}; the plane validates the request. */
  public Object call(ControlPlane plane, Request request, CallContext ctx) {
    Q typed = requestType.cast(request);
    return invoker.invoke(plane, typed, ctx);
  }
}
