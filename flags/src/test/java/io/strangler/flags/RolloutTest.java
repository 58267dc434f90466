package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RolloutTest {

  @Test
  void bucket_tenThousandKeys_spreadEvenlyOverHundredBuckets() {
    int[] counts = new int[100];
    for (int i = 0; i < 10_000; i++) {
      counts[Rollout.bucket("GetRepl", "repl-" + i)]++;
    }
    int below30 = 0;
    for (int b = 0; b < 30; b++) {
      below30 += counts[b];
    }
    assertThat(below30).isBetween(2_800, 3_200);
    for (int c : counts) {
      assertThat(c).isBetween(50, 150);
    }
  }

  @Test
  void bucket_sameOperationAndKey_sameBucketFromSeedOrStrings() {
    long seed = Rollout.seed("CreateRepl");
    for (int i = 0; i < 1_000; i++) {
      String key = "r" + i;
      assertThat(Rollout.bucket(seed, key)).isEqualTo(Rollout.bucket("CreateRepl", key));
    }
  }

  @Test
  void bucket_knownValues_stayStableAcrossReleases() {
    // Pinned: a change here reshuffles every running rollout.
    int[] pinned = {
      Rollout.bucket("GetRepl", "repl-1"),
      Rollout.bucket("GetRepl", "repl-2"),
      Rollout.bucket("CreateRepl", "repl-1"),
      Rollout.bucket("GetRepl", "")
    };
    assertThat(pinned).containsExactly(PINNED);
  }

  @Test
  void bucket_differentOperations_moveDifferentKeys() {
    int same = 0;
    for (int i = 0; i < 10_000; i++) {
      boolean a = Rollout.bucket("GetRepl", "repl-" + i) < 30;
      boolean b = Rollout.bucket("CreateRepl", "repl-" + i) < 30;
      if (a && b) {
        same++;
      }
    }
    // Independent buckets: about 30% of 30%.
    assertThat(same).isBetween(700, 1_100);
  }

  // Checked against an independent implementation of the documented algorithm.
  static final int[] PINNED = {65, 12, 90, 3};
}
