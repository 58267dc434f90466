package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every series the dashboard and the rules query is one docs/metrics.md promises, or a rule. */
class MetricNamesTest {

  @Test
  void metricsDoc_listsTheSeriesOfTheDiffReporter() throws Exception {
    Map<String, String> documented = MetricsDoc.metrics();

    assertThat(documented)
        .containsEntry("strangler_diff_calls_total", "counter")
        .containsEntry("strangler_backend_latency_seconds", "histogram")
        .containsEntry("strangler_api_mode", "gauge")
        .hasSizeGreaterThanOrEqualTo(15);
  }

  @Test
  void everyMetricUsed_isDocumented() throws Exception {
    Set<String> used = MonitoringFiles.metricNamesUsed();
    Set<String> documented = MetricsDoc.sampleNames();

    assertThat(used).hasSizeGreaterThanOrEqualTo(12);
    assertThat(documented).containsAll(used);
  }

  @Test
  void everyRecordingRuleUsed_isDefinedInTheRules() {
    Set<String> used = new TreeSet<>();
    MonitoringFiles.dashboardExprs().values().forEach(e -> used.addAll(PromQl.seriesNames(e)));
    MonitoringFiles.ruleExprs().values().forEach(e -> used.addAll(PromQl.seriesNames(e)));
    used.removeIf(name -> !PromQl.isRecorded(name));

    assertThat(MonitoringFiles.recordedNames()).containsAll(used);
  }

  @Test
  void seriesNames_skipLabelsStringsFunctionsAndGrafanaVariables() {
    Set<String> names =
        PromQl.seriesNames(
            "1 - sum by (api) (rate(strangler_diff_calls_total{api=~\"$api\","
                + " outcome=\"strangler_x\"}[$__rate_interval])) /"
                + " api:strangler_diff_compared_calls:rate5m and on (api) histogram_quantile(0.99,"
                + " strangler_backend_latency_seconds_bucket)");

    assertThat(names)
        .containsExactlyInAnyOrder(
            "strangler_diff_calls_total",
            "api:strangler_diff_compared_calls:rate5m",
            "strangler_backend_latency_seconds_bucket");
  }
}
