package io.strangler.api.ops;

/**
 * What a ConnectRepl given a {@link ContainerPlacement} did with it, beside its answer: for the
 * proxy's informational count of how often this backend would have decided otherwise. Never part of
 * the contract's JSON, and null on every call that was given no placement or placed nothing.
 *
 * @param applied the container went on the machine given; false when the given machine could not
 *     take it in this store (unknown here, or in another cluster) and this backend chose itself
 * @param ownChoice the machine this backend would have chosen from its own store, or null when no
 *     machine would have taken the container
 */
public record PlacementUse(boolean applied, String ownChoice) {
  /** Whether this backend, left to itself, would not have picked {@code machineId}. */
  public boolean wouldHaveDiffered(String machineId) {
    return !machineId.equals(ownChoice);
  }
}
