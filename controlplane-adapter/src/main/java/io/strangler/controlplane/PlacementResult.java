package io.strangler.controlplane;

import io.strangler.api.model.Container;

/**
 * What ConnectRepl's write did: {@code guarded} when the repl was still as read (and is now
 * locked), {@code container} when a new RUNNING container went in (null when the repl already had
 * one), {@code claimed} when the chosen machine still had room. Commit only when all three hold.
 */
record PlacementResult(boolean guarded, boolean claimed, Container container) {
  boolean placed() {
    return guarded && claimed && container != null;
  }
}
