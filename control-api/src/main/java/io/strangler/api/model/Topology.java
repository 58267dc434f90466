package io.strangler.api.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Regions and their clusters (shards). Configuration, not an API resource: both backends are given
 * the same topology before traffic starts.
 */
public record Topology(Map<String, List<String>> regions) {
  public Topology {
    Objects.requireNonNull(regions, "regions");
    Map<String, List<String>> copy = new TreeMap<>();
    Map<String, String> seen = new LinkedHashMap<>();
    regions.forEach(
        (region, clusters) -> {
          if (clusters == null || clusters.isEmpty()) {
            throw new IllegalArgumentException("region '" + region + "' has no clusters");
          }
          for (String cluster : clusters) {
            String other = seen.put(cluster, region);
            if (other != null) {
              throw new IllegalArgumentException(
                  "cluster '"
                      + cluster
                      + "' is listed in regions '"
                      + other
                      + "' and '"
                      + region
                      + "'");
            }
          }
          copy.put(region, clusters.stream().sorted().distinct().toList());
        });
    regions = Collections.unmodifiableMap(copy);
  }

  public Optional<List<String>> clustersOf(String region) {
    return Optional.ofNullable(regions.get(region));
  }

  public Optional<String> regionOf(String cluster) {
    for (var e : regions.entrySet()) {
      if (e.getValue().contains(cluster)) {
        return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }

  /** {@code n} regions named region-1.. each with {@code clustersPerRegion} clusters. */
  public static Topology sample(int n, int clustersPerRegion) {
    Map<String, List<String>> m = new TreeMap<>();
    for (int r = 1; r <= n; r++) {
      String region = "region-" + r;
      List<String> clusters = new java.util.ArrayList<>();
      for (int c = 1; c <= clustersPerRegion; c++) {
        clusters.add(region + "-c" + c);
      }
      m.put(region, clusters);
    }
    return new Topology(m);
  }
}
