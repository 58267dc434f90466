package io.strangler.api.model;

import java.time.Instant;

/**
 * A VM that runs containers, in one cluster. {@code runningContainers} is the number of RUNNING
 * containers placed on it: the load that placement reads first.
 */
public record Machine(
    String machineId,
    String cluster,
    String address,
    int capacity,
    MachineState state,
    double cpuPercent,
    int runningContainers,
    Instant registeredAt,
    Instant lastHeartbeatAt) {

  /** True when placement may put one more container here. */
  public boolean acceptsContainers() {
    return state == MachineState.ACTIVE && runningContainers < capacity;
  }
}
