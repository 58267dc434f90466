package io.strangler.api.ops;

import io.strangler.api.Errors;

public record HeartbeatRequest(String machineId, Double cpuPercent) implements Request {
  @Override
  public void validate() {
    Fields.id("machineId", machineId);
    Fields.present("cpuPercent", cpuPercent);
    if (!(cpuPercent >= 0.0 && cpuPercent <= 100.0)) {
      throw Errors.invalid("field 'cpuPercent' must be between 0 and 100, got " + cpuPercent);
    }
  }

  @Override
  public String routingKey() {
    return machineId;
  }

  @Override
  public String entityKey() {
    return EntityKeys.machine(machineId);
  }
}
