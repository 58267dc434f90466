package io.strangler.api.ops;

import io.strangler.api.model.Container;

/**
 * The repl's running container; {@code created} when this call placed it, {@code transferred}
 * when this call applied a pending lazy transfer first.
 */
public record ConnectReplResponse(Container container, boolean created, boolean transferred) {}
