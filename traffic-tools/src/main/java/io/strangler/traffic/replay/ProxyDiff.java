package io.strangler.traffic.replay;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the proxy's diff reporter counted between two scrapes of its metrics: compared calls by API
 * and verdict, inconsistent calls by API and folded field, and each backend's latency by API.
 * Counts are exact (counters); latencies are estimated from the histogram's buckets, as Prometheus
 * does, so they are only as fine as the buckets.
 *
 * @param verdicts API to verdict (lower case, as in the metrics) to calls
 * @param fields API to folded path to inconsistent calls
 * @param latencyMs API to backend ({@code legacy}, {@code new}) to {p50, p99} in milliseconds
 */
public record ProxyDiff(
    Map<String, Map<String, Long>> verdicts,
    Map<String, Map<String, Long>> fields,
    Map<String, Map<String, double[]>> latencyMs) {

  public static ProxyDiff between(PromText before, PromText after) {
    Map<String, Map<String, Long>> verdicts = new TreeMap<>();
    PromText.delta(before, after, "strangler_diff_calls_total")
        .forEach(
            (labels, v) -> {
              if (v > 0) {
                verdicts
                    .computeIfAbsent(labels.getOrDefault("api", "?"), k -> new TreeMap<>())
                    .merge(labels.getOrDefault("outcome", "?"), Math.round(v), Long::sum);
              }
            });
    Map<String, Map<String, Long>> fields = new TreeMap<>();
    PromText.delta(before, after, "strangler_diff_mismatches_total")
        .forEach(
            (labels, v) -> {
              if (v > 0) {
                fields
                    .computeIfAbsent(labels.getOrDefault("api", "?"), k -> new TreeMap<>())
                    .merge(labels.getOrDefault("path", "?"), Math.round(v), Long::sum);
              }
            });
    Map<String, Map<String, TreeMap<Double, Double>>> buckets = new HashMap<>();
    PromText.delta(before, after, "strangler_backend_latency_seconds_bucket")
        .forEach(
            (labels, v) -> {
              String le = labels.get("le");
              if (le == null) {
                return;
              }
              double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
              buckets
                  .computeIfAbsent(labels.getOrDefault("api", "?"), k -> new HashMap<>())
                  .computeIfAbsent(labels.getOrDefault("backend", "?"), k -> new TreeMap<>())
                  .merge(bound, v, Double::sum);
            });
    Map<String, Map<String, double[]>> latency = new TreeMap<>();
    buckets.forEach(
        (api, byBackend) ->
            byBackend.forEach(
                (backend, cumulative) -> {
                  Double p50 = PromText.quantile(0.5, cumulative);
                  Double p99 = PromText.quantile(0.99, cumulative);
                  if (p50 != null && p99 != null) {
                    latency
                        .computeIfAbsent(api, k -> new TreeMap<>())
                        .put(backend, new double[] {p50 * 1000, p99 * 1000});
                  }
                }));
    return new ProxyDiff(verdicts, fields, latency);
  }
}
