package io.strangler.api.model;

/** RUNNING: the repl has a running container to route to; COLD: it must be started first. */
public enum HostingState {
  RUNNING,
  COLD
}
