package io.strangler.api.model;

/** ACTIVE machines take new containers; DRAINING ones keep what they run and take nothing new. */
public enum MachineState {
  ACTIVE,
  DRAINING
}
