package io.strangler.diff.report;

/**
 * Which calls a sampling ratio keeps: a pure function of the request id, so that a run is
 * repeatable, tests are exact, and a call kept at one ratio is kept at every higher one.
 *
 * <p>The id's UTF-16 code units are hashed with 64-bit FNV-1a, the hash mixed with the SplitMix64
 * finalizer (FNV alone spreads ids that differ in their last character poorly), and its top 53 bits
 * read as a fraction in [0, 1); the call is kept when that fraction is below the ratio.
 */
final class Sampling {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Sampling() {}

  static boolean keeps(String requestId, double ratio) {
    if (ratio >= 1) {
      return true;
    }
    if (ratio <= 0) {
      return false;
    }
    return fraction(requestId) < ratio;
  }

  /** The id's place in [0, 1). */
  static double fraction(String requestId) {
    long h = FNV_OFFSET;
    for (int i = 0; i < requestId.length(); i++) {
      h ^= requestId.charAt(i);
      h *= FNV_PRIME;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    h = h ^ (h >>> 31);
    return (h >>> 11) * 0x1.0p-53;
  }
}
