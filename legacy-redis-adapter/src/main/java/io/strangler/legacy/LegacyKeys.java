package io.strangler.legacy;

/**
 * The key names of the legacy Redis layout (docs/legacy-redis-layout.md), in one place for the
 * adapter and for tools that read a legacy database or its backup. Hash field names are here too.
 */
public final class LegacyKeys {
  public static final String REGIONS = "topology:regions";

  /** Pattern matching every {@code repl:{replId}:containers} ZSET (and nothing of another type). */
  public static final String REPL_CONTAINERS_PATTERN = "repl:*:containers";

  private LegacyKeys() {}

  /** SET of the region's cluster names. */
  public static String region(String region) {
    return "topology:region:" + region;
  }

  /** HASH of the repl. */
  public static String repl(String replId) {
    return "repl:" + replId;
  }

  /** STRING: the replId owning the slug. */
  public static String slug(String slug) {
    return "slug:" + slug;
  }

  /** STRING: the containerId of the repl's RUNNING container, absent when it has none. */
  public static String replCurrent(String replId) {
    return "repl:" + replId + ":current";
  }

  /** ZSET of every containerId of the repl, scored by startedAt. */
  public static String replContainers(String replId) {
    return "repl:" + replId + ":containers";
  }

  /** HASH of the machine. */
  public static String machine(String machineId) {
    return "machine:" + machineId;
  }

  /** SET of the machineIds registered in the cluster. */
  public static String clusterMachines(String cluster) {
    return "cluster:" + cluster + ":machines";
  }

  /** SET of the containerIds RUNNING on the machine. */
  public static String machineRunning(String machineId) {
    return "machine:" + machineId + ":running";
  }

  /** ZSET of every containerId placed on the machine, scored by startedAt. */
  public static String machineContainers(String machineId) {
    return "machine:" + machineId + ":containers";
  }

  /** HASH of the container. */
  public static String container(String containerId) {
    return "container:" + containerId;
  }

  /** HASH of the repl's last move; the key expires at its expiresAt. */
  public static String tombstone(String replId) {
    return "tombstone:" + replId;
  }

  /**
   * The replId in a {@code repl:{replId}:containers} key, or null when the key has another shape.
   */
  public static String replIdOfContainersKey(String key) {
    String prefix = "repl:";
    String suffix = ":containers";
    if (!key.startsWith(prefix)
        || !key.endsWith(suffix)
        || key.length() <= prefix.length() + suffix.length()) {
      return null;
    }
    return key.substring(prefix.length(), key.length() - suffix.length());
  }

  /** Hash field names, shared by the repl, machine, container and tombstone hashes. */
  public static final class Field {
    public static final String REPL_ID = "replId";
    public static final String OWNER_ID = "ownerId";
    public static final String SLUG = "slug";
    public static final String REGION = "region";
    public static final String CLUSTER = "cluster";
    public static final String PENDING_TRANSFER_TO = "pendingTransferTo";
    public static final String CREATED_AT = "createdAt";

    public static final String MACHINE_ID = "machineId";
    public static final String ADDRESS = "address";
    public static final String CAPACITY = "capacity";
    public static final String STATE = "state";
    public static final String CPU_PERCENT = "cpuPercent";
    public static final String REGISTERED_AT = "registeredAt";
    public static final String LAST_HEARTBEAT_AT = "lastHeartbeatAt";

    public static final String CONTAINER_ID = "containerId";
    public static final String STARTED_AT = "startedAt";
    public static final String STOPPED_AT = "stoppedAt";

    public static final String FROM = "from";
    public static final String TO = "to";
    public static final String EXPIRES_AT = "expiresAt";

    private Field() {}
  }
}
