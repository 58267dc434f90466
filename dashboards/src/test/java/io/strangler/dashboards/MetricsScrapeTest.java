package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.diff.Verdict;
import io.strangler.servers.RealServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The names the dashboard and the rules query appear in a real scrape of the diff reporter after
 * traffic that covers every verdict: a dashboard panel or an alert on a name the proxy does not
 * export would stay empty forever without anyone noticing.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsScrapeTest {
  private Path dir;
  private ReporterFixture reporter;
  private String scrape;

  @BeforeAll
  void feedTheReporter(RealServers.PostgresDb db, @TempDir Path dir) throws Exception {
    this.dir = dir;
    reporter = new ReporterFixture(db, dir).feedEverything();
    scrape = reporter.telemetry.scrape();
  }

  @AfterAll
  void close() {
    if (reporter != null) {
      reporter.close();
    }
  }

  @Test
  void traffic_coversEveryVerdict() {
    for (Verdict verdict : Verdict.values()) {
      assertThat(reporter.processed(verdict)).as(verdict.name()).isPositive();
    }
    assertThat(reporter.pipeline.stats().dropped()).containsEntry("queue_full", 1L);
    assertThat(reporter.pipeline.stats().sampledOut()).containsKey("Heartbeat");
  }

  @Test
  void everyMetricUsedByTheDashboardAndTheRules_appearsInTheScrape() {
    Set<String> used = MonitoringFiles.metricNamesUsed();

    assertThat(sampleNames(scrape)).containsAll(used);
  }

  @Test
  void everyDocumentedMetric_appearsInTheScrape() throws Exception {
    assertThat(sampleNames(scrape)).containsAll(MetricsDoc.sampleNames());
  }

  @Test
  void scrape_passesPromtoolsLint() throws Exception {
    Promtool.Result result =
        Promtool.run(dir, scrape.getBytes(StandardCharsets.UTF_8), "check", "metrics");

    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  /** The metric name of every sample line of a Prometheus text exposition. */
  static Set<String> sampleNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int end = line.indexOf('{');
        names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
      }
    }
    return names;
  }
}
