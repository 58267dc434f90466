package io.strangler.api.model;

public enum ContainerState {
  RUNNING,
  STOPPED
}
