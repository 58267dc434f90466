package io.strangler.dashboards;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough PromQL reading to find the series names an expression selects. */
final class PromQl {
  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
  private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?\\w+}?");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.$])[A-Za-z_:][\\w:]*");

  private PromQl() {}

  /**
   * Names in {@code expr} that are series: our metrics ({@code strangler_...}) and recording rules
   * (names with a colon). Label names, functions and keywords are neither, and string literals,
   * label matchers and Grafana variables are removed first.
   */
  static Set<String> seriesNames(String expr) {
    String bare = STRING.matcher(expr).replaceAll("\"\"");
    bare = MATCHERS.matcher(bare).replaceAll("{}");
    bare = GRAFANA_VARIABLE.matcher(bare).replaceAll("");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      String name = m.group();
      if (name.startsWith("strangler_") || isRecorded(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /** Recording rules are named level:metric:operations. */
  static boolean isRecorded(String name) {
    return name.contains(":");
  }

  /**
   * Grafana's variables replaced by values Prometheus accepts, so that promtool can parse a
   * dashboard query: {@code $api} matches everything, the intervals become five minutes.
   */
  static String withGrafanaVariablesReplaced(String expr) {
    return expr.replace("$__rate_interval", "5m")
        .replace("$__interval", "1m")
        .replace("$__range", "1h")
        .replace("\"$api\"", "\".*\"");
  }
}
