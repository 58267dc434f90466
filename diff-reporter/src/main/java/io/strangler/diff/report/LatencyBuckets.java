package io.strangler.diff.report;

/**
 * Fixed latency buckets, the same in every process, so that counts written by many instances can be
 * added up: bucket 0 holds latencies up to 100 µs, bucket {@code i} those above the upper bound of
 * bucket {@code i - 1} and up to {@code 100 µs * 2^(i/4)} (four buckets per doubling, each about
 * 19% wider than the one below), and the last bucket everything above {@code 100 µs * 2^(76/4)},
 * about 52 s. A percentile read from them is interpolated within its bucket: within 19% of the true
 * value.
 */
public final class LatencyBuckets {
  /** Buckets per backend. */
  public static final int COUNT = 78;

  private static final double FIRST_MICROS = 100;
  private static final double PER_DOUBLING = 4;
  private static final double[] UPPER = new double[COUNT];

  static {
    for (int i = 0; i < COUNT; i++) {
      UPPER[i] = FIRST_MICROS * Math.pow(2, i / PER_DOUBLING);
    }
  }

  private LatencyBuckets() {}

  /** The bucket of a latency of {@code micros}. */
  public static int index(long micros) {
    if (micros <= FIRST_MICROS) {
      return 0;
    }
    int i = (int) Math.ceil(PER_DOUBLING * Math.log(micros / FIRST_MICROS) / Math.log(2));
    // The logarithm may land a value on an exact bound one bucket off: settle it by the bounds.
    i = Math.clamp(i, 0, COUNT - 1);
    while (i > 0 && micros <= UPPER[i - 1]) {
      i--;
    }
    while (i < COUNT - 1 && micros > UPPER[i]) {
      i++;
    }
    return i;
  }

  /** The upper bound of bucket {@code i} in microseconds (the last bucket has none: its lower). */
  public static double upperMicros(int i) {
    return UPPER[i];
  }

  /**
   * The {@code percentile} (0..100) of the latencies counted in {@code counts}, in milliseconds,
   * interpolated within its bucket; null when nothing was counted.
   */
  public static Double percentileMs(long[] counts, double percentile) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
    long below = 0;
    for (int i = 0; i < counts.length; i++) {
      long c = counts[i];
      if (c > 0 && below + c >= rank) {
        double lower = i == 0 ? 0 : UPPER[i - 1];
        double upper = i == COUNT - 1 ? UPPER[i - 1] : UPPER[i];
        double micros = lower + (upper - lower) * (rank - below) / c;
        return micros / 1000.0;
      }
      below += c;
    }
    return UPPER[COUNT - 2] / 1000.0;
  }
}
