package io.strangler.api.ops;

import io.strangler.api.Errors;

/** Exactly one of {@code replId} and {@code machineId} is set. */
public record ListContainersRequest(String replId, String machineId) implements Request {
  @Override
  public void validate() {
    if ((replId == null) == (machineId == null)) {
      throw Errors.invalid("exactly one of 'replId' and 'machineId' must be set");
    }
    if (replId != null) {
      Fields.id("replId", replId);
    } else {
      Fields.id("machineId", machineId);
    }
  }

  @Override
  public String routingKey() {
    return replId != null ? replId : machineId;
  }

  @Override
  public String entityKey() {
    return replId != null ? EntityKeys.repl(replId) : EntityKeys.machine(machineId);
  }
}
