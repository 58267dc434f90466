package io.strangler.api.ops;

import io.strangler.api.Errors;

public record RegisterMachineRequest(
    String machineId, String cluster, String address, Integer capacity) implements Request {
  public static final int MAX_ADDRESS_CHARS = 255;

  @Override
  public void validate() {
    Fields.id("machineId", machineId);
    Fields.id("cluster", cluster);
    Fields.text("address", address, MAX_ADDRESS_CHARS);
    Fields.present("capacity", capacity);
    if (capacity < 1 || capacity > 100_000) {
      throw Errors.invalid("field 'capacity' must be between 1 and 100000, got " + capacity);
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
