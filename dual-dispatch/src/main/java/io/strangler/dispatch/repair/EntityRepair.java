package io.strangler.dispatch.repair;

import io.strangler.flags.Mode;

/**
 * Copies the current state of one entity from one backend's store to the other's, so that both
 * agree on it afterwards. Supplied by the API binding (the core knows entity keys only as strings).
 *
 * <p>Must be idempotent and must never overwrite a write newer than the state it copies; it may
 * block (store round trips) and runs on the repairer's own thread.
 */
@FunctionalInterface
public interface EntityRepair {

  /**
   * @param entityKey a key named by {@link TouchedEntities}
   * @param from the backend whose state is copied
   */
  RepairResult repair(String entityKey, Mode.Backend from);
}
