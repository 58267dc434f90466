package io.strangler.legacy;

import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.Machine;
import io.strangler.api.model.MachineState;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Tombstone;
import io.strangler.legacy.LegacyKeys.Field;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The legacy encoding of the contract's records as Redis hashes: times as epoch milliseconds,
 * numbers as decimal strings, enums by name, null fields absent. Shared by the adapter and by tools
 * that read a legacy database or its backup.
 */
public final class LegacyCodec {
  private LegacyCodec() {}

  public static String time(Instant t) {
    return Long.toString(t.toEpochMilli());
  }

  public static Instant time(String millis) {
    return Instant.ofEpochMilli(Long.parseLong(millis));
  }

  public static Map<String, String> replHash(Repl r) {
    Map<String, String> h = new HashMap<>();
    h.put(Field.REPL_ID, r.replId());
    h.put(Field.OWNER_ID, r.ownerId());
    h.put(Field.SLUG, r.slug());
    h.put(Field.REGION, r.region());
    h.put(Field.CLUSTER, r.cluster());
    h.put(Field.CREATED_AT, time(r.createdAt()));
    if (r.pendingTransferTo() != null) {
      h.put(Field.PENDING_TRANSFER_TO, r.pendingTransferTo());
    }
    return h;
  }

  public static Repl repl(Map<String, String> h) {
    return new Repl(
        required(h, Field.REPL_ID),
        required(h, Field.OWNER_ID),
        required(h, Field.SLUG),
        required(h, Field.REGION),
        required(h, Field.CLUSTER),
        h.get(Field.PENDING_TRANSFER_TO),
        time(required(h, Field.CREATED_AT)));
  }

  /** The machine's hash; {@code runningContainers} is not stored (it is the running set's size). */
  public static Map<String, String> machineHash(Machine m) {
    Map<String, String> h = new HashMap<>();
    h.put(Field.MACHINE_ID, m.machineId());
    h.put(Field.CLUSTER, m.cluster());
    h.put(Field.ADDRESS, m.address());
    h.put(Field.CAPACITY, Integer.toString(m.capacity()));
    h.put(Field.STATE, m.state().name());
    h.put(Field.CPU_PERCENT, Double.toString(m.cpuPercent()));
    h.put(Field.REGISTERED_AT, time(m.registeredAt()));
    h.put(Field.LAST_HEARTBEAT_AT, time(m.lastHeartbeatAt()));
    return h;
  }

  public static Machine machine(Map<String, String> h, long runningContainers) {
    return new Machine(
        required(h, Field.MACHINE_ID),
        required(h, Field.CLUSTER),
        required(h, Field.ADDRESS),
        Integer.parseInt(required(h, Field.CAPACITY)),
        MachineState.valueOf(required(h, Field.STATE)),
        Double.parseDouble(required(h, Field.CPU_PERCENT)),
        Math.toIntExact(runningContainers),
        time(required(h, Field.REGISTERED_AT)),
        time(required(h, Field.LAST_HEARTBEAT_AT)));
  }

  public static Map<String, String> containerHash(Container c) {
    Map<String, String> h = new HashMap<>();
    h.put(Field.CONTAINER_ID, c.containerId());
    h.put(Field.REPL_ID, c.replId());
    h.put(Field.MACHINE_ID, c.machineId());
    h.put(Field.CLUSTER, c.cluster());
    h.put(Field.STATE, c.state().name());
    h.put(Field.STARTED_AT, time(c.startedAt()));
    if (c.stoppedAt() != null) {
      h.put(Field.STOPPED_AT, time(c.stoppedAt()));
    }
    return h;
  }

  public static Container container(Map<String, String> h) {
    String stoppedAt = h.get(Field.STOPPED_AT);
    return new Container(
        required(h, Field.CONTAINER_ID),
        required(h, Field.REPL_ID),
        required(h, Field.MACHINE_ID),
        required(h, Field.CLUSTER),
        ContainerState.valueOf(required(h, Field.STATE)),
        time(required(h, Field.STARTED_AT)),
        stoppedAt == null ? null : time(stoppedAt));
  }

  public static Map<String, String> tombstoneHash(Tombstone t) {
    Map<String, String> h = new HashMap<>();
    h.put(Field.REPL_ID, t.replId());
    h.put(Field.FROM, t.from());
    h.put(Field.TO, t.to());
    h.put(Field.CREATED_AT, time(t.createdAt()));
    h.put(Field.EXPIRES_AT, time(t.expiresAt()));
    return h;
  }

  public static Tombstone tombstone(Map<String, String> h) {
    return new Tombstone(
        required(h, Field.REPL_ID),
        required(h, Field.FROM),
        required(h, Field.TO),
        time(required(h, Field.CREATED_AT)),
        time(required(h, Field.EXPIRES_AT)));
  }

  private static String required(Map<String, String> h, String field) {
    String v = h.get(field);
    if (v == null) {
      // A hash missing a field the layout requires is damaged data, not bad input.
      throw new IllegalStateException(
          "legacy hash lacks field '" + field + "' (fields present: " + h.keySet() + ")");
    }
    return v;
  }
}
