package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped Prometheus rules pass promtool's check and their promtool unit tests. */
class PrometheusRulesTest {
  @TempDir Path dir;

  @Test
  void checkRules_acceptsTheShippedRules() throws Exception {
    Dashboards.exportTo(dir);

    Promtool.Result result = Promtool.run(dir.resolve("prometheus"), "check", "rules", "rules.yml");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS");
  }

  @Test
  void testRules_everyUnitTestPasses() throws Exception {
    Dashboards.exportTo(dir);

    Promtool.Result result =
        Promtool.run(dir.resolve("prometheus"), "test", "rules", "rules.test.yml");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS");
  }

  @Test
  void testRules_failWhenAnAlertThresholdIsBroken() throws Exception {
    Dashboards.exportTo(dir);
    Path rules = dir.resolve(Dashboards.PROMETHEUS_RULES);
    String original = Files.readString(rules);
    assertThat(original).contains("min by (api) (strangler_readiness_consistency_ratio) < 0.9999");
    Files.writeString(
        rules,
        original.replace(
            "min by (api) (strangler_readiness_consistency_ratio) < 0.9999",
            "min by (api) (strangler_readiness_consistency_ratio) < 0.99"));

    Promtool.Result result =
        Promtool.run(dir.resolve("prometheus"), "test", "rules", "rules.test.yml");

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("StranglerNewPrimaryInconsistent");
  }

  @Test
  void everyAlert_firesInATestAndIsQuietInAnother() {
    Set<String> firing = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    for (JsonNode test : MonitoringFiles.rulesTests().path("tests")) {
      for (JsonNode check : test.path("alert_rule_test")) {
        String alert = check.path("alertname").asText();
        (check.path("exp_alerts").isEmpty() ? quiet : firing).add(alert);
      }
    }
    Set<String> alerts = new TreeSet<>();
    MonitoringFiles.alerts().forEach(a -> alerts.add(a.path("alert").asText()));

    assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
    assertThat(firing).as("alerts with a test where they fire").containsAll(alerts);
    assertThat(quiet).as("alerts with a test where they stay quiet").containsAll(alerts);
  }

  @Test
  void everyAlert_hasForSeverityAndOnCallAnnotations() {
    for (JsonNode alert : MonitoringFiles.alerts()) {
      String name = alert.path("alert").asText();
      assertThat(name).startsWith("Strangler");
      assertThat(alert.path("for").asText()).as(name + " for").matches("\\d+[smh]");
      assertThat(alert.path("labels").path("severity").asText())
          .as(name + " severity")
          .isIn("critical", "warning");
      assertThat(alert.path("annotations").path("summary").asText())
          .as(name + " summary")
          .isNotBlank();
      assertThat(alert.path("annotations").path("description").asText())
          .as(name + " description")
          .hasSizeGreaterThan(80);
    }
  }

  @Test
  void recordingRules_areNamedLevelMetricOperationsAndUsedOnlyAfterTheyAreDefined() {
    Set<String> defined = new HashSet<>();
    for (Map.Entry<String, String> rule : MonitoringFiles.ruleExprs().entrySet()) {
      for (String used : PromQl.seriesNames(rule.getValue())) {
        if (PromQl.isRecorded(used)) {
          assertThat(defined).as(rule.getKey() + " uses " + used).contains(used);
        }
      }
      if (PromQl.isRecorded(rule.getKey())) {
        assertThat(rule.getKey()).matches("[a-z_]+:strangler_[a-z0-9_]+:[a-z0-9_]+");
        defined.add(rule.getKey());
      }
    }
  }
}
