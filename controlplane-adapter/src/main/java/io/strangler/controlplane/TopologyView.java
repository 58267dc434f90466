package io.strangler.controlplane;

import io.strangler.api.model.Topology;
import io.strangler.api.placement.HashRing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The topology a plane checks calls against, with each region's hash ring built once. Immutable;
 * replaced whole when the topology is applied.
 */
final class TopologyView {
  private final Topology topology;
  private final Map<String, HashRing> rings = new HashMap<>();
  private final Map<String, String> regionOfCluster = new HashMap<>();

  TopologyView(Topology topology) {
    this.topology = topology;
    topology
        .regions()
        .forEach(
            (region, clusters) -> {
              rings.put(region, new HashRing(clusters));
              clusters.forEach(c -> regionOfCluster.put(c, region));
            });
  }

  static TopologyView of(List<ClusterRow> rows) {
    Map<String, List<String>> regions = new TreeMap<>();
    for (ClusterRow row : rows) {
      regions.computeIfAbsent(row.region(), r -> new java.util.ArrayList<>()).add(row.name());
    }
    return new TopologyView(new Topology(regions));
  }

  Topology topology() {
    return topology;
  }

  /** The region's hash ring, or empty for an unknown region. */
  Optional<HashRing> ring(String region) {
    return Optional.ofNullable(rings.get(region));
  }

  boolean hasCluster(String cluster) {
    return regionOfCluster.containsKey(cluster);
  }
}
