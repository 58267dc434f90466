package io.strangler.importer;

import java.util.Collection;
import java.util.Map;

/**
 * Receives the keys of a legacy database one at a time, from an RDB file or a live server, in
 * whatever order the source yields them. Values are decoded as UTF-8 text.
 */
interface KeySink {
  /** For keys without an expiry. */
  long NO_EXPIRY = -1;

  /** The time the backup was taken (epoch ms); comes before any key. */
  void backupTime(long epochMillis);

  void string(String key, String value, long expireAtMillis);

  void hash(String key, Map<String, String> fields, long expireAtMillis);

  void set(String key, Collection<String> members, long expireAtMillis);

  /** {@code members} and {@code scores} are parallel. */
  void zset(String key, String[] members, double[] scores, long expireAtMillis);

  /** A key of a type the layout never uses (a list, a stream, a module type). */
  void other(String key, String type, long expireAtMillis);
}
