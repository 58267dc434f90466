package io.strangler.cutover;

/**
 * One backend's figures over a window, for the calls where it was called.
 *
 * @param calls calls it answered, failed or did not answer in time
 * @param errors failures that are not the caller's fault (5xx, UNAVAILABLE, INTERNAL, ...)
 * @param timeouts calls it did not answer in time
 * @param errorRatePercent 100 * (errors + timeouts) / calls; null without calls
 * @param p99Ms the 99th percentile latency in milliseconds (a bucket's upper bound, within 10%);
 *     null without any latency
 */
public record BackendHealth(
    long calls, long errors, long timeouts, Double errorRatePercent, Double p99Ms) {
  public static final BackendHealth NONE = new BackendHealth(0, 0, 0, null, null);
}
