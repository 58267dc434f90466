package io.strangler.importer;

/** What the import does with what the control plane already holds. */
public enum ImportMode {
  /** Refuse unless every control-plane table is empty (the default: a first import). */
  EMPTY,
  /** Delete everything the control plane holds, then load the backup. */
  REPLACE,
  /**
   * Upsert the backup's records by id, keeping records the backup does not have; the backup wins
   * where both have one.
   */
  MERGE
}
