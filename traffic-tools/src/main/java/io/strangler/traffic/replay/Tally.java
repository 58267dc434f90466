package io.strangler.traffic.replay;

import io.strangler.diff.Verdict;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** One API's figures over a replay. Not thread-safe: the report guards it. */
public final class Tally {
  long calls;
  final Map<String, Long> outcomes = new TreeMap<>();
  final Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
  long reproducible;
  long reproduced;
  // Latencies in microseconds.
  final Histogram client = new Histogram(3);
  final Histogram legacy = new Histogram(3);
  final Histogram newer = new Histogram(3);

  static boolean consistent(Verdict v) {
    return v == Verdict.MATCH || v == Verdict.RACE || v == Verdict.BOTH_ERROR_SAME;
  }

  static boolean compared(Verdict v) {
    return v != Verdict.SHADOW_TIMEOUT && v != Verdict.SHADOW_DROPPED;
  }

  long compared() {
    long n = 0;
    for (Map.Entry<Verdict, Long> e : verdicts.entrySet()) {
      if (compared(e.getKey())) {
        n += e.getValue();
      }
    }
    return n;
  }

  long consistent() {
    long n = 0;
    for (Map.Entry<Verdict, Long> e : verdicts.entrySet()) {
      if (consistent(e.getKey())) {
        n += e.getValue();
      }
    }
    return n;
  }

  long notCompared() {
    long n = 0;
    for (Map.Entry<Verdict, Long> e : verdicts.entrySet()) {
      if (!compared(e.getKey())) {
        n += e.getValue();
      }
    }
    return n;
  }
}
