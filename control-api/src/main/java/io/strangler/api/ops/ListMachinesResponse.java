package io.strangler.api.ops;

import io.strangler.api.model.Machine;
import java.util.List;

/** The cluster's machines, ordered by machineId. */
public record ListMachinesResponse(List<Machine> machines) {}
