package io.strangler.api.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.model.Machine;
import io.strangler.api.model.MachineState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static Machine m(String id, int running, double cpu) {
    return new Machine(id, "c1", "10.0.0.1", 1000, MachineState.ACTIVE, cpu, running, T, T);
  }

  @Test
  void choose_takesTheLeastLoadedOfTheSubset_byContainersThenCpuThenId() {
    List<Machine> three = List.of(m("a", 2, 10), m("b", 1, 90), m("c", 1, 20));
    assertThat(Placement.choose("r", three).orElseThrow().machineId()).isEqualTo("c");

    List<Machine> tie = List.of(m("b", 1, 20), m("a", 1, 20));
    assertThat(Placement.choose("r", tie).orElseThrow().machineId()).isEqualTo("a");
  }

  @Test
  void choose_skipsDrainingAndFullMachines() {
    Machine draining = new Machine("a", "c1", "x", 10, MachineState.DRAINING, 0, 0, T, T);
    Machine full = new Machine("b", "c1", "x", 2, MachineState.ACTIVE, 0, 2, T, T);
    assertThat(Placement.choose("r", List.of(draining, full))).isEmpty();
    assertThat(
            Placement.choose("r", List.of(draining, full, m("c", 9, 99))).orElseThrow().machineId())
        .isEqualTo("c");
  }

  @Test
  void choose_keepsEachReplOnASmallStableSubset() {
    List<Machine> fleet = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      fleet.add(m("m-" + i, 0, 0));
    }
    Set<String> chosen = new HashSet<>();
    // Whatever the loads, one repl only ever lands on its k=3 rendezvous machines.
    for (int round = 0; round < 200; round++) {
      List<Machine> loaded = new ArrayList<>();
      for (int i = 0; i < fleet.size(); i++) {
        loaded.add(m("m-" + i, (i * 7 + round) % 5, (round * 13 + i) % 100));
      }
      chosen.add(Placement.choose("repl-42", loaded).orElseThrow().machineId());
    }
    assertThat(chosen).hasSizeBetween(2, 3);
  }

  @Test
  void choose_spreadsManyReplsOverTheFleet() {
    List<Machine> fleet = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fleet.add(m("m-" + i, 0, 0));
    }
    int[] load = new int[20];
    for (int r = 0; r < 2000; r++) {
      List<Machine> now = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        now.add(m("m-" + i, load[i], 0));
      }
      String id = Placement.choose("repl-" + r, now).orElseThrow().machineId();
      load[Integer.parseInt(id.substring(2))]++;
    }
    int max = java.util.Arrays.stream(load).max().orElseThrow();
    int min = java.util.Arrays.stream(load).min().orElseThrow();
    assertThat(max - min).isLessThanOrEqualTo(10);
  }
}
