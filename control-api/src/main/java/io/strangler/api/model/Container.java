package io.strangler.api.model;

import java.time.Instant;

/** One run of a repl on a machine. {@code stoppedAt} is null while it runs. */
public record Container(
    String containerId,
    String replId,
    String machineId,
    String cluster,
    ContainerState state,
    Instant startedAt,
    Instant stoppedAt) {

  public Container stopped(Instant at) {
    return new Container(
        containerId, replId, machineId, cluster, ContainerState.STOPPED, startedAt, at);
  }
}
