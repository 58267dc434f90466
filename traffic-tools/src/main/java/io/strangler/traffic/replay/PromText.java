package io.strangler.traffic.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Prometheus text exposition (format 0.0.4) read into its samples, enough to take the difference
 * of two scrapes of the proxy's counters and histograms.
 */
public record PromText(List<Sample> samples) {

  /** One sample: a series name, its labels and its value. */
  record Sample(String name, Map<String, String> labels, double value) {
    String label(String name) {
      return labels.getOrDefault(name, "");
    }
  }

  static PromText parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      Sample s = sample(l);
      if (s != null) {
        out.add(s);
      }
    }
    return new PromText(List.copyOf(out));
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space;
    String name;
    Map<String, String> labels = new TreeMap<>();
    if (brace >= 0 && brace < line.indexOf(' ')) {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (i < line.length() && line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
          return null;
        }
        String key = line.substring(i, eq).strip();
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        while (j < line.length() && line.charAt(j) != '"') {
          char c = line.charAt(j);
          if (c == '\\' && j + 1 < line.length()) {
            char n = line.charAt(++j);
            value.append(n == 'n' ? '\n' : n);
          } else {
            value.append(c);
          }
          j++;
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        }
      }
      space = i + 1;
    } else {
      space = line.indexOf(' ');
      if (space < 0) {
        return null;
      }
      name = line.substring(0, space);
    }
    String[] rest = line.substring(Math.min(space, line.length())).strip().split("\\s+");
    if (rest.length == 0 || rest[0].isEmpty()) {
      return null;
    }
    double value;
    try {
      value =
          switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
          };
    } catch (NumberFormatException e) {
      return null;
    }
    return new Sample(name, Map.copyOf(labels), value);
  }

  /** The samples of one series name, keyed by their labels. */
  Map<Map<String, String>, Double> series(String name) {
    Map<Map<String, String>, Double> out = new HashMap<>();
    for (Sample s : samples) {
      if (s.name.equals(name)) {
        out.put(s.labels, s.value);
      }
    }
    return out;
  }

  /**
   * {@code after - before} for every series of {@code name} (a series absent before counts from 0).
   */
  static Map<Map<String, String>, Double> delta(PromText before, PromText after, String name) {
    Map<Map<String, String>, Double> b = before.series(name);
    Map<Map<String, String>, Double> out = new HashMap<>();
    after.series(name).forEach((labels, v) -> out.put(labels, v - b.getOrDefault(labels, 0.0)));
    return out;
  }

  /**
   * The {@code q} quantile of a histogram given as cumulative bucket counts by upper bound, as
   * Prometheus's {@code histogram_quantile} estimates it (linear within the bucket); null if empty.
   */
  static Double quantile(double q, TreeMap<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return null;
    }
    double total = cumulative.lastEntry().getValue();
    if (total <= 0) {
      return null;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        if (e.getKey().isInfinite()) {
          return lowerBound;
        }
        double inBucket = e.getValue() - lowerCount;
        return inBucket <= 0
            ? e.getKey()
            : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = e.getKey();
      lowerCount = e.getValue();
    }
    return lowerBound;
  }
}
