package io.strangler.cutover;

/**
 * One backend's figures over a window, for the calls where it was called.
 *
 * @param calls calls it answered, failed or did not answer in time
 * @param errors failures that are not the caller's fault (5xx, UNAVAILABLE, INTERNAL, ...)
 * @param timeouts calls it did not answer in time
 * @param dropped calls due to it but never sent (a full shadow budget, a kill switch): not in
 *     {@code calls}
 * @param errorRatePercent 100 * (errors + timeouts) / calls; null without calls
 * @param p99Ms the 99th percentile latency in milliseconds (a bucket's upper bound, within 10%);
 *     null without any latency
 */
public record BackendHealth(
    long calls, long errors, long timeouts, long dropped, Double errorRatePercent, Double p99Ms) {
  public static final BackendHealth NONE = new BackendHealth(0, 0, 0, 0, null, null);

  /** Figures without drops. */
  public BackendHealth(
      long calls, long errors, long timeouts, Double errorRatePercent, Double p99Ms) {
    this(calls, errors, timeouts, 0, errorRatePercent, p99Ms);
  }
}
