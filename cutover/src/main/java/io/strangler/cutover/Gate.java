package io.strangler.cutover;

import java.util.Objects;

/**
 * One readiness gate of a step, evaluated now: its value, its threshold in words, and whether it
 * passes. A gate whose input is not known (no calls in the window, no repair journal wired) has the
 * value {@code unknown} and fails: a cut-over never advances on a number nobody measured.
 */
public record Gate(String name, String value, String threshold, boolean passed) {
  public static final String UNKNOWN = "unknown";

  public Gate {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(threshold, "threshold");
  }

  static Gate unknown(String name, String threshold) {
    return new Gate(name, UNKNOWN, threshold, false);
  }

  /** {@code consistency 99.5% (needs >= 99.99%): FAIL}. */
  @Override
  public String toString() {
    return name + " " + value + " (needs " + threshold + "): " + (passed ? "pass" : "FAIL");
  }
}
