package io.strangler.diff.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplingTest {
  /**
   * How many of {@code req-0 .. req-999} the ratio 0.3 keeps: fixed by the hash, so a change to the
   * hash (which would re-shuffle every deployment's sample) fails here.
   */
  static final int KEPT_OF_1000_AT_0_3 = kept(0.3, 1_000);

  private static int kept(double ratio, int n) {
    return (int) IntStream.range(0, n).filter(i -> Sampling.keeps("req-" + i, ratio)).count();
  }

  @Test
  void keeps_fixedIds_exactSelection() {
    assertThat(KEPT_OF_1000_AT_0_3).isEqualTo(282);
    assertThat(Sampling.fraction("req-0")).isEqualTo(Sampling.fraction("req-0"));
    assertThat(IntStream.range(0, 12).filter(i -> Sampling.keeps("req-" + i, 0.3)).boxed())
        .containsExactly(1, 2, 4, 5);
  }

  @Test
  void keeps_zeroAndOne_noneAndAll() {
    assertThat(kept(0.0, 10_000)).isZero();
    assertThat(kept(1.0, 10_000)).isEqualTo(10_000);
  }

  @Test
  void keeps_manyIds_closeToTheRatio() {
    assertThat(kept(0.01, 100_000)).isBetween(900, 1_100);
    assertThat(kept(0.5, 100_000)).isBetween(49_000, 51_000);
  }

  @Test
  void keeps_higherRatio_keepsEveryIdALowerOneKept() {
    for (int i = 0; i < 10_000; i++) {
      String id = "req-" + i;
      if (Sampling.keeps(id, 0.2)) {
        assertThat(Sampling.keeps(id, 0.21)).as(id).isTrue();
      }
    }
  }
}
