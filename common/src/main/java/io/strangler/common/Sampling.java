package io.strangler.common;

/**
 * Which calls a sampling ratio keeps: a pure function of the request id, so that a run is
 * repeatable, tests are exact, a call kept at one ratio is kept at every higher one, and every part
 * of the system that samples by request id (the traffic log, the diff pipeline) keeps the same
 * calls at the same ratio.
 *
 * <p>Algorithm (kept stable on purpose; changing it reshuffles every sample): FNV-1a 64 over the
 * id's UTF-16 code units, finished with MurmurHash3's {@code fmix64} (FNV alone spreads ids that
 * differ in their last character poorly); the top 53 bits of the result read as a fraction in [0,
 * 1). The call is kept when that fraction is below the ratio.
 */
public final class Sampling {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Sampling() {}

  /** Whether {@code ratio} (0 keeps none, 1 keeps all) keeps the call with this request id. */
  public static boolean keeps(String requestId, double ratio) {
    if (ratio >= 1.0) {
      return true;
    }
    if (ratio <= 0.0) {
      return false;
    }
    return fraction(requestId) < ratio;
  }

  /** The id's place in [0, 1). */
  public static double fraction(String requestId) {
    long h = FNV_OFFSET;
    for (int i = 0; i < requestId.length(); i++) {
      h ^= requestId.charAt(i);
      h *= FNV_PRIME;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }
}
