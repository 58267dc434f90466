package io.strangler.controlplane;

import io.strangler.api.model.Container;
import io.strangler.api.model.Repl;

/** A repl and its RUNNING container, or null when it has none: what ConnectRepl reads first. */
record ReplState(Repl repl, Container running) {}
