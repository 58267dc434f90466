package io.strangler.dispatch.repair;

import java.util.Objects;

/** What became of one attempt to copy an entity from the authoritative store to the other one. */
public sealed interface RepairResult {

  /** The entity differed and now matches its source. */
  record Repaired() implements RepairResult {}

  /** The entity already matched its source: nothing was written. */
  record AlreadyEqual() implements RepairResult {}

  /**
   * The repair could not be made now (a store is unreachable, or a concurrent write kept the source
   * moving): the entry stays in the journal and is tried again after a back-off.
   */
  record Retry(String why) implements RepairResult {
    public Retry {
      Objects.requireNonNull(why, "why");
    }
  }

  /**
   * The repair can never succeed (for example a key the repairer does not know): counted, logged
   * and skipped, so one bad entry cannot hold the journal back.
   */
  record Failed(String why) implements RepairResult {
    public Failed {
      Objects.requireNonNull(why, "why");
    }
  }

  RepairResult REPAIRED = new Repaired();
  RepairResult ALREADY_EQUAL = new AlreadyEqual();
}
