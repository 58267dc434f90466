package io.strangler.importer;

/**
 * A key name of the legacy layout (docs/legacy-redis-layout.md) taken apart: what it holds and the
 * ids it names. Ids never contain ':', the layout's separator, so every shape is unambiguous.
 */
record LegacyKey(Kind kind, String id) {

  /** What a key holds, with the Redis type the layout gives it. */
  enum Kind {
    REGIONS(RedisType.SET),
    REGION(RedisType.SET),
    REPL(RedisType.HASH),
    REPL_CURRENT(RedisType.STRING),
    REPL_CONTAINERS(RedisType.ZSET),
    SLUG(RedisType.STRING),
    MACHINE(RedisType.HASH),
    MACHINE_RUNNING(RedisType.SET),
    MACHINE_CONTAINERS(RedisType.ZSET),
    CLUSTER_MACHINES(RedisType.SET),
    CONTAINER(RedisType.HASH),
    TOMBSTONE(RedisType.HASH);

    final RedisType type;

    Kind(RedisType type) {
      this.type = type;
    }
  }

  enum RedisType {
    STRING,
    HASH,
    SET,
    ZSET,
    OTHER;

    String lower() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The key's kind and id, or null when the key has no shape of the layout. */
  static LegacyKey parse(String key) {
    int first = key.indexOf(':');
    if (first <= 0) {
      return null;
    }
    int second = key.indexOf(':', first + 1);
    int third = second < 0 ? -1 : key.indexOf(':', second + 1);
    if (third >= 0) {
      return null;
    }
    String head = key.substring(0, first);
    String mid = second < 0 ? key.substring(first + 1) : key.substring(first + 1, second);
    String tail = second < 0 ? null : key.substring(second + 1);
    if (mid.isEmpty()) {
      return null;
    }
    return switch (head) {
      case "repl" -> {
        if (tail == null) {
          yield new LegacyKey(Kind.REPL, mid);
        }
        yield switch (tail) {
          case "current" -> new LegacyKey(Kind.REPL_CURRENT, mid);
          case "containers" -> new LegacyKey(Kind.REPL_CONTAINERS, mid);
          default -> null;
        };
      }
      case "machine" -> {
        if (tail == null) {
          yield new LegacyKey(Kind.MACHINE, mid);
        }
        yield switch (tail) {
          case "running" -> new LegacyKey(Kind.MACHINE_RUNNING, mid);
          case "containers" -> new LegacyKey(Kind.MACHINE_CONTAINERS, mid);
          default -> null;
        };
      }
      case "slug" -> tail == null ? new LegacyKey(Kind.SLUG, mid) : null;
      case "container" -> tail == null ? new LegacyKey(Kind.CONTAINER, mid) : null;
      case "tombstone" -> tail == null ? new LegacyKey(Kind.TOMBSTONE, mid) : null;
      case "cluster" -> "machines".equals(tail) ? new LegacyKey(Kind.CLUSTER_MACHINES, mid) : null;
      case "topology" -> {
        if (tail == null) {
          yield "regions".equals(mid) ? new LegacyKey(Kind.REGIONS, "") : null;
        }
        yield "region".equals(mid) && !tail.isEmpty() ? new LegacyKey(Kind.REGION, tail) : null;
      }
      default -> null;
    };
  }
}
