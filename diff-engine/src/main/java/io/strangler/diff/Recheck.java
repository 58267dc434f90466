package io.strangler.diff;

import java.util.Optional;

/**
 * Reads a mismatching answer again from both backends, once, so that a state change between the two
 * original reads (a RACE) is told apart from a real MISMATCH. The caller owns the delay before the
 * second read and everything that can go wrong in it: an implementation answers empty instead of
 * throwing when it cannot read again.
 */
@FunctionalInterface
public interface Recheck {
  /** For calls that must not be repeated (writes) or when no second read is possible. */
  Recheck NONE = Optional::empty;

  /** Fresh observations from both backends, or empty when the call cannot be read again. */
  Optional<Observations> again();
}
