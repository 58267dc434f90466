package io.strangler.api.ops;

import io.strangler.api.model.Tombstone;

/** The repl's cluster and, while one is live, the tombstone its last move left behind. */
public record ResolveClusterResponse(String cluster, Tombstone tombstone) {}
