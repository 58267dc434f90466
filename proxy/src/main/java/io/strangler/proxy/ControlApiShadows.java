package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.Operation;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.ContainerPlacement;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.EntityKeys;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.Request;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * How each write of the control API v1 becomes its shadow write (docs/control-api.md, "Shadow
 * writes"): ConnectRepl tells the shadow backend where the authoritative one placed the container,
 * so that the shadow applies that decision instead of taking its own from a view of the store that
 * concurrency makes different; and every write names each entity it touches, from its request and
 * from the authoritative answer, so that shadow writes are ordered against the later writes and
 * shadow reads of all of them.
 */
public final class ControlApiShadows {
  /** The field of ConnectRepl's answer that a shadow backend decides for itself. */
  static final String PLACEMENT_FIELD = "/container/machineId";

  private static final Map<String, ApiSpec.ShadowDerivation> BY_OPERATION =
      Map.of(
          Operation.CREATE_REPL.name(), keys(ControlApiShadows::createReplKeys),
          Operation.REGISTER_MACHINE.name(), keys(ControlApiShadows::registerMachineKeys),
          Operation.HEARTBEAT.name(), keys(ControlApiShadows::machineKeys),
          Operation.DRAIN_MACHINE.name(), keys(ControlApiShadows::machineKeys),
          Operation.CONNECT_REPL.name(), new ConnectRepl(),
          Operation.STOP_CONTAINER.name(), keys(ControlApiShadows::containerKeys),
          Operation.TRANSFER_REPL.name(), keys(ControlApiShadows::transferReplKeys));

  private ControlApiShadows() {}

  /** The shadow derivation of {@code op}; reads get the default (they are not shadow writes). */
  static ApiSpec.ShadowDerivation of(Operation<?> op) {
    return BY_OPERATION.getOrDefault(op.name(), ApiSpec.ShadowDerivation.AS_SENT);
  }

  /**
   * Refuses fields that only the proxy sets on its shadow calls. A client-sent placement would
   * bypass the capacity and drain rules that only the authoritative backend may waive.
   */
  static void rejectProxyOnlyFields(Request request) throws BadRequest {
    if (request instanceof ConnectReplRequest c && c.placement() != null) {
      throw BadRequest.invalid(
          "field 'placement' is not accepted from clients: the proxy sets it on shadow calls");
    }
  }

  /**
   * Tells {@code decisions} when a backend that was told where to place a container would have
   * chosen another machine itself. Informational: the shadow applied the authoritative decision, so
   * the answers agree; this counts how often they would not have.
   */
  static void noteOwnDecision(String api, Request request, Object answer, OwnDecisions decisions) {
    if (answer instanceof ConnectReplResponse r
        && r.placementUse() != null
        && request instanceof ConnectReplRequest c
        && c.placement() != null
        && r.placementUse().wouldHaveDiffered(c.placement().machineId())) {
      decisions.differed(api, PLACEMENT_FIELD);
    }
  }

  /**
   * Where a backend, told to apply another backend's decision, would have decided otherwise: by API
   * and answer field (both low-cardinality), never by entity.
   */
  @FunctionalInterface
  public interface OwnDecisions {
    OwnDecisions NONE = (api, field) -> {};

    void differed(String api, String field);
  }

  /** Counts {@link OwnDecisions} in memory, for metrics and the dashboard to read. */
  public static final class DecisionCounter implements OwnDecisions {
    /** One API's differing field. */
    public record Key(String api, String field) {}

    private final ConcurrentHashMap<Key, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void differed(String api, String field) {
      counts.computeIfAbsent(new Key(api, field), k -> new LongAdder()).increment();
    }

    public long count(String api, String field) {
      LongAdder n = counts.get(new Key(api, field));
      return n == null ? 0 : n.sum();
    }

    /** Every count so far, by API then field. */
    public Map<Key, Long> snapshot() {
      Map<Key, Long> copy = new TreeMap<>(Comparator.comparing(Key::api).thenComparing(Key::field));
      counts.forEach((k, v) -> copy.put(k, v.sum()));
      return copy;
    }
  }

  // ---------------------------------------------------------------- ConnectRepl

  /** The shadow is told the authoritative placement, and ordered by all the placement touched. */
  private static final class ConnectRepl implements ApiSpec.ShadowDerivation {
    @Override
    public Prepared shadowRequest(Prepared prepared, JsonNode answer) {
      JsonNode container = answer.path("container");
      String machineId = text(container, "machineId");
      String containerId = text(container, "containerId");
      if (machineId == null
          || containerId == null
          || !(prepared.request() instanceof ConnectReplRequest request)) {
        return prepared;
      }
      // Also when the authoritative answered a container it already ran (created false): a
      // shadow that has none running (it drifted) then starts that one, not one of its own.
      return new Prepared(
          prepared.body(),
          new ConnectReplRequest(request.replId(), new ContainerPlacement(machineId, containerId)),
          prepared.routingKey(),
          prepared.entityKey());
    }

    @Override
    public Collection<String> orderingKeys(Prepared prepared, JsonNode answer) {
      return containerKeys(prepared, answer.path("container"));
    }
  }

  // ---------------------------------------------------------------- ordering keys

  /** An ordering that only names keys: the shadow gets the client's request. */
  private static ApiSpec.ShadowDerivation keys(KeyRule rule) {
    return new ApiSpec.ShadowDerivation() {
      @Override
      public Collection<String> orderingKeys(Prepared prepared, JsonNode answer) {
        return rule.keys(prepared, answer);
      }
    };
  }

  @FunctionalInterface
  private interface KeyRule {
    Collection<String> keys(Prepared prepared, JsonNode answer);
  }

  /** The repl and its slug (GetHostingMetadata reads by slug). */
  private static Collection<String> createReplKeys(Prepared prepared, JsonNode answer) {
    CreateReplRequest r = prepared.request(CreateReplRequest.class);
    return List.of(prepared.entityKey(), EntityKeys.slug(r.slug()));
  }

  /** The machine and its cluster (ListMachines reads by cluster). */
  private static Collection<String> registerMachineKeys(Prepared prepared, JsonNode answer) {
    RegisterMachineRequest r = prepared.request(RegisterMachineRequest.class);
    return List.of(prepared.entityKey(), EntityKeys.cluster(r.cluster()));
  }

  /** Heartbeat, DrainMachine: the machine and the cluster its answer names. */
  private static Collection<String> machineKeys(Prepared prepared, JsonNode machine) {
    return keysOf(prepared, EntityKeys::cluster, text(machine, "cluster"));
  }

  /**
   * A container's start or stop (StopContainer's answer is the container; ConnectRepl's holds it):
   * the container, its repl (so a stop is ordered before the repl's next connect), its machine
   * (ListContainers by machine, its running count) and its cluster (ListMachines).
   */
  private static Collection<String> containerKeys(Prepared prepared, JsonNode container) {
    List<String> keys = new ArrayList<>(5);
    keys.add(prepared.entityKey());
    add(keys, EntityKeys::container, text(container, "containerId"));
    add(keys, EntityKeys::repl, text(container, "replId"));
    add(keys, EntityKeys::machine, text(container, "machineId"));
    add(keys, EntityKeys::cluster, text(container, "cluster"));
    return keys.stream().distinct().toList();
  }

  /** The repl and its slug. An eager move also stops a container its answer does not name. */
  private static Collection<String> transferReplKeys(Prepared prepared, JsonNode repl) {
    return keysOf(prepared, EntityKeys::slug, text(repl, "slug"));
  }

  private static Collection<String> keysOf(
      Prepared prepared, UnaryOperator<String> key, String id) {
    return id == null
        ? List.of(prepared.entityKey())
        : List.of(prepared.entityKey(), key.apply(id));
  }

  private static void add(List<String> keys, UnaryOperator<String> key, String id) {
    if (id != null) {
      keys.add(key.apply(id));
    }
  }

  /** A text field of an answer, or null when it is missing or not text. */
  private static String text(JsonNode node, String field) {
    JsonNode v = Objects.requireNonNull(node, "node").get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }
}
