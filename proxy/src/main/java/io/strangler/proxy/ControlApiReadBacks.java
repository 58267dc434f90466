package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * For the writes of the control API that answer an entity a read also shows: the read that shows it
 * again, and where in that read's answer it is. The diff reporter uses it to read a mismatching
 * write back from both stores once concurrent writes have settled (the RACE check of writes).
 *
 * <p>Today the machine writes: RegisterMachine, Heartbeat and DrainMachine answer a Machine, and
 * ListMachines of its cluster lists the same Machine. Their answers carry {@code
 * runningContainers}, which every ConnectRepl and StopContainer on the machine changes: two stores
 * that apply the same writes in a slightly different interleaving answer a heartbeat differently
 * and then agree.
 */
final class ControlApiReadBacks {
  /** A read and the part of its answer shaped like the write's answer. */
  record ReadBack(String operation, JsonNode request, UnaryOperator<JsonNode> project) {}

  private static final Set<String> MACHINE_WRITES =
      Set.of("RegisterMachine", "Heartbeat", "DrainMachine");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ControlApiReadBacks() {}

  /** Whether a write of {@code operation} can be read back. */
  static boolean readsBack(String operation) {
    return MACHINE_WRITES.contains(operation);
  }

  /**
   * The read back of a write of {@code operation} that answered {@code answer}, if there is one.
   */
  static Optional<ReadBack> of(String operation, JsonNode answer) {
    if (!MACHINE_WRITES.contains(operation) || answer == null) {
      return Optional.empty();
    }
    String cluster = answer.path("cluster").asText(null);
    String machineId = answer.path("machineId").asText(null);
    if (cluster == null || machineId == null) {
      return Optional.empty();
    }
    JsonNode request = NODES.objectNode().put("cluster", cluster);
    return Optional.of(new ReadBack("ListMachines", request, listed -> machine(listed, machineId)));
  }

  /** The machine {@code machineId} in a ListMachines answer, or null when it is not listed. */
  private static JsonNode machine(JsonNode listed, String machineId) {
    for (JsonNode m : listed.path("machines")) {
      if (machineId.equals(m.path("machineId").asText(null))) {
        return m;
      }
    }
    return null;
  }
}
