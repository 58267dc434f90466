package io.strangler.dashboards;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric tables of docs/metrics.md: the names the diff reporter promises to export. */
final class MetricsDoc {
  private static final Pattern ROW =
      Pattern.compile(
          "^\\|\\s*`(strangler_[a-z0-9_]+)`\\s*\\|\\s*(counter|gauge|histogram)\\s*\\|",
          Pattern.MULTILINE);

  private MetricsDoc() {}

  /** The repository's docs/metrics.md, found from the working directory upwards. */
  static Path file() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("docs").resolve("metrics.md");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "docs/metrics.md not found above " + Path.of("").toAbsolutePath());
  }

  /** Documented metric name to its type. */
  static Map<String, String> metrics() throws IOException {
    Map<String, String> metrics = new TreeMap<>();
    Matcher m = ROW.matcher(Files.readString(file()));
    while (m.find()) {
      metrics.put(m.group(1), m.group(2));
    }
    return metrics;
  }

  /** The sample names a scrape holds for the documented metrics (a histogram's three series). */
  static Set<String> sampleNames() throws IOException {
    Set<String> names = new TreeSet<>();
    metrics()
        .forEach(
            (name, type) -> {
              if (type.equals("histogram")) {
                names.add(name + "_bucket");
                names.add(name + "_count");
                names.add(name + "_sum");
              } else {
                names.add(name);
              }
            });
    return names;
  }
}
