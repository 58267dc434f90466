package io.strangler.diff.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters keyed by an API and one more low-cardinality label (a reason or a result): what the
 * pipeline and the sample store count, read by the admin output and by asynchronous metric
 * instruments at scrape time.
 */
final class LabeledCounts {
  private final ConcurrentHashMap<LabeledCount.Key, LongAdder> counts = new ConcurrentHashMap<>();

  void increment(String api, String label) {
    add(api, label, 1);
  }

  void add(String api, String label, long n) {
    LabeledCount.Key key = new LabeledCount.Key(api, label);
    LongAdder adder = counts.get(key);
    if (adder == null) {
      adder = counts.computeIfAbsent(key, k -> new LongAdder());
    }
    adder.add(n);
  }

  long get(String api, String label) {
    LongAdder adder = counts.get(new LabeledCount.Key(api, label));
    return adder == null ? 0 : adder.sum();
  }

  /** Every count, sorted by API then label. */
  List<LabeledCount> snapshot() {
    List<LabeledCount> out = new ArrayList<>(counts.size());
    counts.forEach((k, v) -> out.add(new LabeledCount(k.api(), k.label(), v.sum())));
    out.sort(Comparator.comparing(LabeledCount::api).thenComparing(LabeledCount::label));
    return out;
  }

  /** Sums over APIs, by label. */
  Map<String, Long> byLabel() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.merge(k.label(), v.sum(), Long::sum));
    return out;
  }

  /** By API, then label. */
  Map<String, Map<String, Long>> byApi() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    counts.forEach(
        (k, v) -> out.computeIfAbsent(k.api(), a -> new TreeMap<>()).put(k.label(), v.sum()));
    return out;
  }
}
