package io.strangler.diff.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Whether one API is ready for cut-over, over the readiness window, with the figures behind it.
 *
 * @param status READY when {@code compared >= minCalls} and {@code consistencyPercent >=
 *     thresholdPercent}
 * @param reason the gate in words, e.g. {@code 10000 compared calls needed in the window, 523 so
 *     far}
 * @param compared calls compared: consistent plus inconsistent
 * @param consistent MATCH, RACE and BOTH_ERROR_SAME
 * @param inconsistent MISMATCH, BOTH_ERROR_DIFFERENT, AUTHORITATIVE_ERROR and SHADOW_ERROR
 * @param notCompared SHADOW_TIMEOUT and SHADOW_DROPPED: nothing to compare
 * @param consistencyPercent 100 * consistent / compared; null when nothing was compared
 * @param verdicts results by verdict (lower case)
 * @param legacy the legacy backend's figures
 * @param newBackend the new backend's figures (JSON {@code "new"})
 * @param windowSeconds the window's length (it slides one bucket at a time)
 */
public record ApiReadiness(
    String api,
    Readiness.Status status,
    String reason,
    long compared,
    long consistent,
    long inconsistent,
    long notCompared,
    Double consistencyPercent,
    Map<String, Long> verdicts,
    BackendStats legacy,
    @JsonProperty("new") BackendStats newBackend,
    long windowSeconds,
    long minCalls,
    BigDecimal thresholdPercent) {

  /**
   * One backend's figures over the window, for the calls where it was called.
   *
   * @param calls calls made to it (answered, failed or timed out)
   * @param errors calls it answered with an error
   * @param timeouts calls it did not answer in time
   * @param errorRatePercent 100 * (errors + timeouts) / calls; null without calls
   * @param p50Ms median latency of its answers and errors in milliseconds; null without any
   * @param p99Ms 99th percentile latency in milliseconds; null without any
   */
  public record BackendStats(
      long calls,
      long errors,
      long timeouts,
      Double errorRatePercent,
      Double p50Ms,
      Double p99Ms) {}
}
