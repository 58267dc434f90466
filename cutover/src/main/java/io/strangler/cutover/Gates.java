package io.strangler.cutover;

import io.strangler.flags.Mode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gates of a step, as values. Stepping to LEGACY_ONLY or SHADOW has none (legacy stays
 * authoritative); stepping to NEW_PRIMARY at any rollout needs compared calls, consistency, the new
 * backend's error rate and p99 against legacy's and no pending repairs; NEW_ONLY needs those and a
 * recent, clean drift scan.
 */
public final class Gates {
  public static final String COMPARED = "compared calls";
  public static final String CONSISTENCY = "consistency";
  public static final String ERROR_RATE = "error rate";
  public static final String P99 = "p99 latency";
  public static final String REPAIRS = "pending repairs";
  public static final String DRIFT = "drift scan";

  private Gates() {}

  /** The gates {@code target} needs, evaluated on {@code h} at {@code now}. */
  public static List<Gate> of(Step target, ApiHealth h, GateConfig c, Instant now) {
    List<Gate> out = new ArrayList<>();
    if (target.mode() != Mode.NEW_PRIMARY && target.mode() != Mode.NEW_ONLY) {
      return out;
    }
    out.add(
        h.compared() == null
            ? Gate.unknown(COMPARED, ">= " + c.minCompared())
            : new Gate(
                COMPARED,
                Long.toString(h.compared()),
                ">= " + c.minCompared(),
                h.compared() >= c.minCompared()));
    String consistency =
        ">= " + c.minConsistencyPercent().stripTrailingZeros().toPlainString() + "%";
    out.add(
        h.consistencyPercent() == null
            ? Gate.unknown(CONSISTENCY, consistency)
            : new Gate(
                CONSISTENCY,
                percent(h.consistencyPercent()),
                consistency,
                BigDecimal.valueOf(h.consistencyPercent()).compareTo(c.minConsistencyPercent())
                    >= 0));
    String errorThreshold = "new <= legacy + " + number(c.maxErrorExcessPoints()) + " point";
    Double newRate = h.newer().errorRatePercent();
    Double legacyRate = h.legacy().errorRatePercent();
    out.add(
        newRate == null || legacyRate == null
            ? Gate.unknown(ERROR_RATE, errorThreshold)
            : new Gate(
                ERROR_RATE,
                "new " + percent(newRate) + ", legacy " + percent(legacyRate),
                errorThreshold,
                newRate <= legacyRate + c.maxErrorExcessPoints()));
    String p99Threshold = "new <= " + number(c.maxP99Ratio()) + " x legacy";
    Double newP99 = h.newer().p99Ms();
    Double legacyP99 = h.legacy().p99Ms();
    out.add(
        newP99 == null || legacyP99 == null
            ? Gate.unknown(P99, p99Threshold)
            : new Gate(
                P99,
                "new " + number(newP99) + " ms, legacy " + number(legacyP99) + " ms",
                p99Threshold,
                newP99 <= c.maxP99Ratio() * legacyP99));
    out.add(
        h.pendingRepairs() == null
            ? Gate.unknown(REPAIRS, "<= " + c.maxPendingRepairs())
            : new Gate(
                REPAIRS,
                Long.toString(h.pendingRepairs()),
                "<= " + c.maxPendingRepairs(),
                h.pendingRepairs() <= c.maxPendingRepairs()));
    if (target.mode() == Mode.NEW_ONLY) {
      String driftThreshold = "0 differences, within " + c.driftMaxAge().toMinutes() + " min";
      DriftScan d = h.lastDriftScan();
      if (d == null) {
        out.add(Gate.unknown(DRIFT, driftThreshold));
      } else {
        Duration age = Duration.between(d.at(), now);
        out.add(
            new Gate(
                DRIFT,
                d.differences() + " differences, " + Math.max(0, age.toMinutes()) + " min ago",
                driftThreshold,
                d.differences() == 0 && age.compareTo(c.driftMaxAge()) <= 0));
      }
    }
    return out;
  }

  static String percent(double v) {
    return number(v) + "%";
  }

  /** Up to four decimals, no trailing zeros: 99.99, 0.1, 12. */
  static String number(double v) {
    return BigDecimal.valueOf(v)
        .setScale(4, java.math.RoundingMode.DOWN)
        .stripTrailingZeros()
        .toPlainString()
        .toLowerCase(Locale.ROOT);
  }
}
