package io.strangler.api.placement;

import io.strangler.api.model.Machine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the machine for a new container: among the machines that accept containers, a subset of
 * {@code k} by rendezvous hashing of (replId, machineId), then the least loaded of the subset
 * (running containers, then cpu, then machineId). Subsetting keeps each repl on a small, stable set
 * of machines while spreading load (see docs/control-api.md, "Placement").
 */
public final class Placement {
  public static final int DEFAULT_SUBSET_SIZE = 3;

  static final Comparator<Machine> LEAST_LOADED =
      Comparator.comparingInt(Machine::runningContainers)
          .thenComparingDouble(Machine::cpuPercent)
          .thenComparing(Machine::machineId);

  private Placement() {}

  public static Optional<Machine> choose(String replId, List<Machine> machines) {
    return choose(replId, machines, DEFAULT_SUBSET_SIZE);
  }

  public static Optional<Machine> choose(String replId, List<Machine> machines, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("subset size must be >= 1, got " + k);
    }
    long replHash = Hashing.hash64(replId);
    List<Scored> eligible = new ArrayList<>(machines.size());
    for (Machine m : machines) {
      if (m.acceptsContainers()) {
        eligible.add(new Scored(m, Hashing.combine(replHash, Hashing.hash64(m.machineId()))));
      }
    }
    return eligible.stream()
        .sorted(
            Comparator.comparingLong(Scored::score)
                .reversed()
                .thenComparing(s -> s.machine().machineId()))
        .limit(k)
        .map(Scored::machine)
        .min(LEAST_LOADED);
  }

  private record Scored(Machine machine, long score) {}
}
