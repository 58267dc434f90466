package io.strangler.importer;

import java.util.Locale;

/**
 * Why a record of the backup was not imported as it is. Entity records (a repl, machine, container
 * or tombstone hash) with one of these reasons are left out of the control plane; index records (a
 * slug, a set or sorted-set member, a current-container pointer) are reported when they disagree
 * with the entities, since the control plane derives its indexes from the entities instead.
 * docs/import.md lists what each one means.
 */
enum RejectReason {
  /** The key has no shape of the legacy layout. */
  UNKNOWN_KEY,
  /** The key holds another Redis type than the layout gives it. */
  WRONG_TYPE,
  /** A required field is missing or does not parse, an id or value is out of the contract. */
  MALFORMED,
  /** A repl or machine names a cluster that the backup's topology does not have. */
  UNKNOWN_CLUSTER,
  /** A repl's region is not its cluster's region. */
  REGION_MISMATCH,
  /** A cluster is listed in two regions, or a region set is not listed in topology:regions. */
  BAD_TOPOLOGY,
  /** The slug index ({@code slug:{slug}}) does not name this repl. */
  SLUG_CONFLICT,
  /** Merge mode: the slug belongs to another repl already in the control plane. */
  SLUG_TAKEN,
  /** A slug key names no repl that has this slug. */
  DANGLING_SLUG,
  /** The machine is not in its cluster's machine set. */
  MACHINE_NOT_LISTED,
  /** Merge mode: the machine is already registered in another cluster. */
  MACHINE_CLUSTER_CONFLICT,
  /** A container or tombstone of a repl that is not imported. */
  DANGLING_REPL,
  /** A container on a machine that is not imported, or a set member naming no machine. */
  DANGLING_MACHINE,
  /** A container whose cluster is not its machine's cluster. */
  CLUSTER_MISMATCH,
  /** A container missing from its repl's or machine's container index, or with another score. */
  CONTAINER_NOT_LISTED,
  /** A RUNNING container that is not its repl's current one (the legacy duplicate race). */
  DUPLICATE_RUNNING,
  /** A RUNNING container absent from its machine's running set. */
  RUNNING_SET_MISMATCH,
  /** Merge mode: the repl already has another RUNNING container in the control plane. */
  RUNNING_CONFLICT,
  /** A container index or current pointer names no container of that repl or machine. */
  DANGLING_CONTAINER,
  /** A running-set member that is no RUNNING container of that machine. */
  STALE_RUNNING_MEMBER;

  /** The reason as written to the rejects file and the summary: {@code dangling_repl}. */
  String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  static RejectReason ofCode(String code) {
    return valueOf(code.toUpperCase(Locale.ROOT));
  }
}
