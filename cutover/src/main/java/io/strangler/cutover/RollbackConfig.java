package io.strangler.cutover;

import java.time.Duration;
import java.util.Objects;

/**
 * When the proxy steps an API in NEW_PRIMARY back to SHADOW by itself. A threshold counts as
 * crossed only with at least {@code minCalls} new-backend calls in the window, and the rollback
 * happens only after {@code consecutiveChecks} checks in a row found one crossed: a rate that
 * touches a threshold for a moment does not move anything.
 *
 * @param window the sliding window of outcomes (1-second buckets)
 * @param checkPeriod how often the checker looks
 * @param minCalls new-backend calls needed in the window before any threshold counts
 * @param maxErrorExcessPoints new error rate (errors and timeouts) minus legacy's, in points
 * @param maxP99Ratio new p99 over legacy p99 ...
 * @param minP99ExcessMs ... and by at least this many milliseconds (sub-millisecond latencies make
 *     ratios jumpy)
 * @param minConsistencyPercent consistency of the calls the diff pipeline compared in the window
 *     (counted only with {@code minCalls} compared)
 * @param consecutiveChecks checks in a row that must find a threshold crossed
 * @param maxTargetErrorPercent legacy's own error rate (errors and timeouts of its calls) in the
 *     window above which a due rollback is held: authority is never moved onto a failing backend. A
 *     legacy with no call in the window but calls dropped before they were sent is held for too
 *     (nothing shows it answers).
 */
public record RollbackConfig(
    Duration window,
    Duration checkPeriod,
    long minCalls,
    double maxErrorExcessPoints,
    double maxP99Ratio,
    double minP99ExcessMs,
    double minConsistencyPercent,
    int consecutiveChecks,
    double maxTargetErrorPercent) {
  public RollbackConfig {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(checkPeriod, "checkPeriod");
    if (window.toSeconds() < 1 || window.toSeconds() > 3600) {
      throw new IllegalArgumentException("the rollback window must be 1 s..1 h, got " + window);
    }
    if (checkPeriod.toMillis() < 10 || checkPeriod.compareTo(Duration.ofSeconds(5)) > 0) {
      throw new IllegalArgumentException(
          "the check period must be 10 ms..5 s (a rollback is due within 5 s), got " + checkPeriod);
    }
    if (minCalls < 1 || consecutiveChecks < 1) {
      throw new IllegalArgumentException(
          "minCalls and consecutiveChecks must be at least 1, got "
              + minCalls
              + " and "
              + consecutiveChecks);
    }
    if (!(maxTargetErrorPercent >= 0 && maxTargetErrorPercent <= 100)) {
      throw new IllegalArgumentException(
          "maxTargetErrorPercent must be 0..100, got " + maxTargetErrorPercent);
    }
  }

  /** The thresholds with the default hold ({@value #DEFAULT_MAX_TARGET_ERROR_PERCENT}%). */
  public RollbackConfig(
      Duration window,
      Duration checkPeriod,
      long minCalls,
      double maxErrorExcessPoints,
      double maxP99Ratio,
      double minP99ExcessMs,
      double minConsistencyPercent,
      int consecutiveChecks) {
    this(
        window,
        checkPeriod,
        minCalls,
        maxErrorExcessPoints,
        maxP99Ratio,
        minP99ExcessMs,
        minConsistencyPercent,
        consecutiveChecks,
        DEFAULT_MAX_TARGET_ERROR_PERCENT);
  }

  /** Legacy's error rate above which a rollback onto it is held, by default. */
  public static final double DEFAULT_MAX_TARGET_ERROR_PERCENT = 5.0;

  /**
   * A 60 s window checked every second; 1 point of extra errors, 1.5x (and 50 ms) p99, 99%
   * consistency; 3 checks in a row; held while legacy fails more than 5% of its calls.
   */
  public static RollbackConfig defaults() {
    return new RollbackConfig(
        Duration.ofSeconds(60), Duration.ofSeconds(1), 20, 1.0, 1.5, 50, 99.0, 3);
  }

  /**
   * No automatic rollback: the window is kept (the gates and the page read it), but no threshold
   * ever counts, as none is reached before {@code Long.MAX_VALUE} calls. For a load test that must
   * hold its modes, or an operator who steps back by hand only.
   */
  public static RollbackConfig off() {
    return new RollbackConfig(
        Duration.ofSeconds(60), Duration.ofSeconds(1), Long.MAX_VALUE, 1.0, 1.5, 50, 99.0, 3);
  }

  /** Whether this configuration can roll anything back ({@link #off()} cannot). */
  public boolean enabled() {
    return minCalls != Long.MAX_VALUE;
  }

  /** The same with another window (tests use a few seconds). */
  public RollbackConfig withWindow(Duration w) {
    return new RollbackConfig(
        w,
        checkPeriod,
        minCalls,
        maxErrorExcessPoints,
        maxP99Ratio,
        minP99ExcessMs,
        minConsistencyPercent,
        consecutiveChecks,
        maxTargetErrorPercent);
  }
}
