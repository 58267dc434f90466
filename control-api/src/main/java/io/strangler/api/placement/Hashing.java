package io.strangler.api.placement;

import java.nio.charset.StandardCharsets;

/**
 * A stable 64-bit string hash (FNV-1a over UTF-8, finished with MurmurHash3's fmix64 for
 * avalanche). Stable across JVMs and releases: placement decisions are stored, so the hash must
 * never change.
 */
public final class Hashing {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hashing() {}

  public static long hash64(String s) {
    long h = FNV_OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= FNV_PRIME;
    }
    return fmix64(h);
  }

  /** Combines two hashes into one well-mixed value (order matters). */
  public static long combine(long a, long b) {
    return fmix64(a ^ Long.rotateLeft(b, 31) ^ 0x9e3779b97f4a7c15L);
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
