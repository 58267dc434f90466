package io.strangler.api.ops;

public record DrainMachineRequest(String machineId) implements Request {
  @Override
  public void validate() {
    Fields.id("machineId", machineId);
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
