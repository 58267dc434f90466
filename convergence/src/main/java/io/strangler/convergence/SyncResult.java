package io.strangler.convergence;

import java.util.List;

/** What one {@link EntitySync#sync} did: a value, never an exception. */
public sealed interface SyncResult {
  EntityRef ref();

  /** The target now holds the source's state; {@code changes} says what was written. */
  record Synced(EntityRef ref, Side from, List<String> changes, int attempts)
      implements SyncResult {}

  /** Both stores already held the same state: nothing was written. */
  record AlreadyEqual(EntityRef ref) implements SyncResult {}

  /**
   * The source kept changing while the sync ran (its re-read before commit differed every time, or
   * a WATCHed key changed): nothing was written on the last attempt. The next sync will copy the
   * newer state.
   */
  record Conflict(EntityRef ref, int attempts, String detail) implements SyncResult {}

  /** The state could not be written: the target's rules refuse it. Trying again will not help. */
  record Failed(EntityRef ref, String reason) implements SyncResult {}

  /** A store could not be reached (or timed out): nothing was written; try again later. */
  record Unavailable(EntityRef ref, String reason) implements SyncResult {}

  /** Would have written (a dry run): what differs. */
  record WouldSync(EntityRef ref, Side from, List<String> changes) implements SyncResult {}
}
