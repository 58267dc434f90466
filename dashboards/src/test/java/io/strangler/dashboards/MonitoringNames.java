package io.strangler.dashboards;

import java.util.Set;

/**
 * For tests of other modules (the assembled server): the metric names the Grafana dashboard and the
 * Prometheus rules query, and the names in a scrape.
 */
public final class MonitoringNames {
  private MonitoringNames() {}

  /** Every series name (not recording rules) the dashboard and the rules query. */
  public static Set<String> usedByDashboardsAndRules() {
    return MonitoringFiles.metricNamesUsed();
  }

  /** The metric name of every sample line of a Prometheus text exposition. */
  public static Set<String> inScrape(String exposition) {
    return MetricsScrapeTest.sampleNames(exposition);
  }
}
