package io.strangler.api.placement;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A consistent-hash ring of clusters with virtual nodes. A repl belongs to the first virtual node
 * clockwise from its hash; adding one cluster to N moves about 1/(N+1) of the repls, all of them to
 * the new cluster. Immutable; build once per topology.
 */
public final class HashRing {
  public static final int DEFAULT_VIRTUAL_NODES = 160;

  private final long[] points;
  private final String[] owners;

  public HashRing(Collection<String> clusters) {
    this(clusters, DEFAULT_VIRTUAL_NODES);
  }

  public HashRing(Collection<String> clusters, int virtualNodes) {
    if (clusters.isEmpty()) {
      throw new IllegalArgumentException("a hash ring needs at least one cluster");
    }
    if (virtualNodes < 1) {
      throw new IllegalArgumentException("virtualNodes must be >= 1, got " + virtualNodes);
    }
    List<String> sorted = clusters.stream().sorted().distinct().toList();
    int n = sorted.size() * virtualNodes;
    long[][] entries = new long[n][2];
    int i = 0;
    for (int c = 0; c < sorted.size(); c++) {
      long clusterHash = Hashing.hash64(sorted.get(c));
      for (int v = 0; v < virtualNodes; v++) {
        entries[i][0] = Hashing.combine(clusterHash, Hashing.hash64(Integer.toString(v)));
        entries[i][1] = c;
        i++;
      }
    }
    // Ties between two clusters' points (vanishingly rare) break by cluster name, so the ring
    // does not depend on the order clusters were given in.
    Arrays.sort(
        entries, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    points = new long[n];
    owners = new String[n];
    for (int j = 0; j < n; j++) {
      points[j] = entries[j][0];
      owners[j] = sorted.get((int) entries[j][1]);
    }
  }

  /** The cluster that owns {@code key}. */
  public String clusterFor(String key) {
    long h = Hashing.hash64(key);
    int idx = Arrays.binarySearch(points, h);
    if (idx < 0) {
      idx = -idx - 1;
    }
    if (idx == points.length) {
      idx = 0;
    }
    return owners[idx];
  }
}
