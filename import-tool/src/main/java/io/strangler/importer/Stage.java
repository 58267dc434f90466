package io.strangler.importer;

/**
 * The partitions of the staging table, one per kind of legacy record, and what their generic
 * columns hold. The views of {@link StagingSql} give the columns their names.
 */
enum Stage {
  /** k1 replId, k2 ownerId, k3 slug, k4 region, k5 cluster, k6 pendingTransferTo, t1 createdAt. */
  REPL(1),
  /**
   * k1 machineId, k2 cluster, k3 address, k4 state, i1 capacity, d1 cpu, t1 registered, t2 beat.
   */
  MACHINE(2),
  /** k1 containerId, k2 replId, k3 machineId, k4 cluster, k5 state, t1 startedAt, t2 stoppedAt. */
  CONTAINER(3),
  /** k1 replId, k2 from, k3 to, t1 createdAt, t2 expiresAt. */
  TOMBSTONE(4),
  /** slug:{k1} = k2 (replId). */
  SLUG(5),
  /** repl:{k1}:current = k2 (containerId). */
  CURRENT(6),
  /** repl:{k1}:containers has member k2 with score t1. */
  REPL_CONTAINER(7),
  /** machine:{k1}:containers has member k2 with score t1. */
  MACHINE_CONTAINER(8),
  /** machine:{k1}:running has member k2. */
  MACHINE_RUNNING(9),
  /** cluster:{k1}:machines has member k2. */
  CLUSTER_MACHINE(10),
  /** topology:regions has member k1. */
  REGION(11),
  /** topology:region:{k1} has member k2. */
  REGION_CLUSTER(12);

  /** kind, k1..k6, i1, d1, t1..t3. */
  static final int COLUMNS = 12;

  final short id;

  Stage(int id) {
    this.id = (short) id;
  }

  String table() {
    return "stage_" + name().toLowerCase(java.util.Locale.ROOT);
  }
}
