package io.strangler.diff.report;

import io.strangler.diff.Verdict;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cut-over gate of {@link DiffConfig}, shared by every view of readiness (this process's
 * window, the fleet's counters): from counts by verdict and each backend's figures to an {@link
 * ApiReadiness} with its status and reason.
 */
final class ReadinessGate {
  private static final Verdict[] VERDICTS = Verdict.values();
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private final long minCalls;
  private final BigDecimal threshold;
  private final long windowSeconds;

  ReadinessGate(DiffConfig config) {
    this.minCalls = config.readinessMinCalls();
    this.threshold = config.readinessThresholdPercent();
    this.windowSeconds = config.readinessWindow().toSeconds();
  }

  static boolean consistent(Verdict v) {
    return Consistency.of(v) == Consistency.CONSISTENT;
  }

  static boolean compared(Verdict v) {
    return Consistency.of(v) != Consistency.NOT_COMPARED;
  }

  /** Whether {@code compared} calls with {@code consistent} among them pass the gate. */
  boolean ready(long compared, long consistent) {
    return compared >= minCalls && consistentEnough(compared, consistent);
  }

  /** One API's readiness from its results by verdict (indexed by ordinal) and backend figures. */
  ApiReadiness readiness(
      String api,
      long[] byVerdict,
      ApiReadiness.BackendStats legacy,
      ApiReadiness.BackendStats newer) {
    long compared = 0;
    long consistent = 0;
    long notCompared = 0;
    Map<String, Long> verdicts = new TreeMap<>();
    for (Verdict v : VERDICTS) {
      long n = byVerdict[v.ordinal()];
      verdicts.put(v.name().toLowerCase(Locale.ROOT), n);
      if (compared(v)) {
        compared += n;
        consistent += consistent(v) ? n : 0;
      } else {
        notCompared += n;
      }
    }
    Double consistency = compared == 0 ? null : consistent * 100.0 / compared;
    boolean ready = ready(compared, consistent);
    return new ApiReadiness(
        api,
        ready ? Readiness.Status.READY : Readiness.Status.NOT_READY,
        reason(compared, consistent, ready),
        compared,
        consistent,
        compared - consistent,
        notCompared,
        consistency,
        verdicts,
        legacy,
        newer,
        windowSeconds,
        minCalls,
        threshold);
  }

  /** consistent / compared >= threshold, in exact decimal arithmetic: no rounding at the edge. */
  private boolean consistentEnough(long compared, long consistent) {
    return BigDecimal.valueOf(consistent)
            .multiply(HUNDRED)
            .compareTo(threshold.multiply(BigDecimal.valueOf(compared)))
        >= 0;
  }

  private String reason(long compared, long consistent, boolean ready) {
    if (compared == 0) {
      return minCalls + " compared calls needed in the window, none so far";
    }
    // Rounded down, so that a consistency just under the threshold never prints as equal to it.
    BigDecimal consistency =
        BigDecimal.valueOf(consistent)
            .multiply(HUNDRED)
            .divide(BigDecimal.valueOf(compared), 4, RoundingMode.DOWN);
    String figures =
        "consistency "
            + percent(consistency)
            + " ("
            + (compared - consistent)
            + " inconsistent of "
            + compared
            + " compared)";
    if (ready) {
      return figures + " is at or above " + percent(threshold);
    }
    List<String> missing = new ArrayList<>();
    if (compared < minCalls) {
      missing.add(minCalls + " compared calls needed in the window, " + compared + " so far");
    }
    if (!consistentEnough(compared, consistent)) {
      missing.add(figures + " is below " + percent(threshold));
    }
    return String.join("; ", missing);
  }

  private static String percent(BigDecimal value) {
    return value.stripTrailingZeros().toPlainString() + "%";
  }
}
