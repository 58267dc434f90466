package io.strangler.cutover;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds of the gates a step to NEW_PRIMARY (any rollout) or NEW_ONLY must pass.
 *
 * @param minCompared compared calls needed in the readiness window
 * @param minConsistencyPercent consistency needed among them
 * @param maxErrorExcessPoints how far the new backend's error rate may exceed legacy's, in points
 * @param maxP99Ratio the new backend's p99 may be at most this times legacy's
 * @param maxPendingRepairs pending repairs allowed
 * @param driftMaxAge NEW_ONLY only: the last drift scan must be at most this old (and clean)
 */
public record GateConfig(
    long minCompared,
    BigDecimal minConsistencyPercent,
    double maxErrorExcessPoints,
    double maxP99Ratio,
    long maxPendingRepairs,
    Duration driftMaxAge) {
  public GateConfig {
    Objects.requireNonNull(minConsistencyPercent, "minConsistencyPercent");
    Objects.requireNonNull(driftMaxAge, "driftMaxAge");
    if (minCompared < 0 || maxErrorExcessPoints < 0 || maxP99Ratio <= 0 || maxPendingRepairs < 0) {
      throw new IllegalArgumentException(
          "gate thresholds must not be negative (minCompared="
              + minCompared
              + ", maxErrorExcessPoints="
              + maxErrorExcessPoints
              + ", maxP99Ratio="
              + maxP99Ratio
              + ", maxPendingRepairs="
              + maxPendingRepairs
              + ")");
    }
  }

  /**
   * 10,000 compared calls at 99.99%; error rate within 0.1 point; p99 within 1.2x; no repairs; a
   * clean drift scan within the hour.
   */
  public static GateConfig defaults() {
    return new GateConfig(10_000, new BigDecimal("99.99"), 0.1, 1.2, 0, Duration.ofHours(1));
  }
}
