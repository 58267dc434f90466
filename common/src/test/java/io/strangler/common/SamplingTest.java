package io.strangler.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplingTest {

  private static int kept(double ratio, int n) {
    return (int) IntStream.range(0, n).filter(i -> Sampling.keeps("req-" + i, ratio)).count();
  }

  /**
   * The selection is pinned: a change to the hash would re-shuffle every deployment's samples (and
   * the traffic log's), so it must fail here first.
   */
  @Test
  void keeps_fixedIds_exactSelection() {
    assertThat(kept(0.3, 1_000)).isEqualTo(312);
    assertThat(IntStream.range(0, 12).filter(i -> Sampling.keeps("req-" + i, 0.3)).boxed())
        .containsExactly(0, 1, 3, 10, 11);
    assertThat(Sampling.fraction("req-0")).isEqualTo(Sampling.fraction("req-0"));
  }

  @Test
  void keeps_zeroAndOne_noneAndAll() {
    assertThat(kept(0.0, 10_000)).isZero();
    assertThat(kept(1.0, 10_000)).isEqualTo(10_000);
    assertThat(Sampling.keeps("", 1.0)).isTrue();
    assertThat(Sampling.keeps("", 0.0)).isFalse();
  }

  @Test
  void keeps_manyIds_closeToTheRatio() {
    assertThat(kept(0.01, 100_000)).isBetween(900, 1_100);
    assertThat(kept(0.5, 100_000)).isBetween(49_000, 51_000);
  }

  @Test
  void fraction_idsDifferingInTheLastCharacter_spreadOverTheUnitInterval() {
    // FNV-1a alone puts ids that differ only in their last character close together; the
    // finalizer must spread them: 10 consecutive ids land in at least 6 of 10 deciles.
    long deciles =
        IntStream.range(0, 10)
            .mapToObj(i -> "call-000" + i)
            .mapToInt(id -> (int) (Sampling.fraction(id) * 10))
            .distinct()
            .count();
    assertThat(deciles).isGreaterThanOrEqualTo(6);
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
