package io.strangler.flags;

/**
 * Sticky rollout buckets for the file source: a routing key's bucket (0..99) for an operation is a
 * pure function of the two strings, so the same key always lands on the same side of a rollout, on
 * every node and after every restart, and raising the percentage only ever adds keys.
 *
 * <p>Algorithm (kept stable on purpose; changing it reshuffles every rollout): FNV-1a 64 over the
 * UTF-16 code units of the operation, one U+0000 separator, then the key; MurmurHash3's fmix64
 * finaliser; unsigned remainder by 100. The operation goes in so that two APIs at 30% move
 * different keys, as Unleash does with its default groupId (the toggle name).
 */
final class Rollout {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Rollout() {}

  /** The hash state after the operation and the separator: computed once per API. */
  static long seed(String operation) {
    long h = FNV_OFFSET;
    for (int i = 0; i < operation.length(); i++) {
      h = (h ^ operation.charAt(i)) * FNV_PRIME;
    }
    return h * FNV_PRIME; // the U+0000 separator: xor with 0 is a no-op
  }

  /** The key's bucket in 0..99, continuing from {@link #seed}. No allocation. */
  static int bucket(long seed, String key) {
    long h = seed;
    for (int i = 0; i < key.length(); i++) {
      h = (h ^ key.charAt(i)) * FNV_PRIME;
    }
    return (int) Long.remainderUnsigned(fmix64(h), 100);
  }

  static int bucket(String operation, String key) {
    return bucket(seed(operation), key);
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
