package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Grafana dashboard and its provisioning files are well formed and query real series. */
class GrafanaDashboardTest {
  @TempDir Path dir;

  @Test
  void dashboard_hasItsIdentityAndTheTwoVariables() {
    JsonNode dashboard = MonitoringFiles.dashboard();

    assertThat(dashboard.path("uid").asText()).isEqualTo("strangler-migration");
    assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
    assertThat(dashboard.path("title").asText()).isNotBlank();
    JsonNode variables = dashboard.path("templating").path("list");
    JsonNode datasource = find(variables, "DS_PROMETHEUS");
    assertThat(datasource.path("type").asText()).isEqualTo("datasource");
    assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
    JsonNode api = find(variables, "api");
    assertThat(api.path("type").asText()).isEqualTo("query");
    assertThat(api.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
    assertThat(api.path("query").path("query").asText())
        .startsWith("label_values(")
        .endsWith(", api)");
    assertThat(api.path("multi").asBoolean()).isTrue();
    assertThat(api.path("includeAll").asBoolean()).isTrue();
  }

  @Test
  void everyPanel_hasADatasourceAndQueriesWithAnExpr() {
    List<JsonNode> panels = MonitoringFiles.panels(MonitoringFiles.dashboard());
    Set<Integer> ids = new HashSet<>();
    int queryPanels = 0;
    for (JsonNode panel : panels) {
      String title = panel.path("title").asText();
      assertThat(title).as("a panel's title").isNotBlank();
      assertThat(ids.add(panel.path("id").asInt())).as("id of " + title + " is unique").isTrue();
      assertThat(panel.path("gridPos").path("w").asInt()).as(title + " width").isBetween(1, 24);
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      queryPanels++;
      assertThat(panel.path("description").asText()).as(title + " description").isNotBlank();
      assertThat(panel.path("datasource").path("uid").asText())
          .as(title + " datasource")
          .isEqualTo("${DS_PROMETHEUS}");
      assertThat(panel.path("targets")).as(title + " targets").isNotEmpty();
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("datasource").path("uid").asText())
            .as(title + " target datasource")
            .isEqualTo("${DS_PROMETHEUS}");
        assertThat(target.path("expr").asText()).as(title + " expr").isNotBlank();
        assertThat(target.path("refId").asText()).as(title + " refId").isNotBlank();
      }
    }
    assertThat(queryPanels).isGreaterThanOrEqualTo(12);
  }

  @Test
  void dashboard_coversWhatTheOnCallNeeds() {
    String all = String.join("\n", MonitoringFiles.dashboardExprs().values());

    assertThat(all)
        .contains("strangler_api_mode")
        .contains("topk(10, sum by (api, path)")
        .contains("strangler_diff_mismatches_total")
        .contains("histogram_quantile(0.99")
        .contains("histogram_quantile(0.5")
        .contains("strangler_shadow_dropped_total")
        .contains("strangler_diff_queue_depth")
        .contains("strangler_diff_dropped_total")
        .contains("strangler_readiness_ready");
  }

  /** promtool parses each query, with Grafana's variables replaced, as a recording rule. */
  @Test
  void everyQuery_isValidPromQl() throws Exception {
    List<String> lines = new ArrayList<>(List.of("groups:", "  - name: dashboard", "    rules:"));
    int i = 0;
    for (Map.Entry<String, String> query : MonitoringFiles.dashboardExprs().entrySet()) {
      lines.add("      - record: dashboard:query_" + i++ + ":check");
      lines.add(
          "        expr: "
              + MonitoringFiles.JSON.writeValueAsString(
                  PromQl.withGrafanaVariablesReplaced(query.getValue())));
    }
    Files.write(dir.resolve("dashboard-queries.yml"), lines);

    Promtool.Result result = Promtool.run(dir, "check", "rules", "dashboard-queries.yml");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: " + i + " rules found");
  }

  @Test
  void provisioning_pointsGrafanaAtPrometheusAndAtTheDashboardFolder() {
    JsonNode datasources =
        MonitoringFiles.read(MonitoringFiles.YAML, Dashboards.GRAFANA_DATASOURCE)
            .path("datasources");
    assertThat(datasources).hasSize(1);
    assertThat(datasources.get(0).path("type").asText()).isEqualTo("prometheus");
    assertThat(datasources.get(0).path("url").asText()).startsWith("http");

    JsonNode providers =
        MonitoringFiles.read(MonitoringFiles.YAML, Dashboards.GRAFANA_DASHBOARD_PROVIDER)
            .path("providers");
    assertThat(providers).hasSize(1);
    assertThat(providers.get(0).path("type").asText()).isEqualTo("file");
    assertThat(providers.get(0).path("options").path("path").asText()).startsWith("/");
  }

  private static JsonNode find(JsonNode variables, String name) {
    for (JsonNode v : variables) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    throw new AssertionError("no dashboard variable " + name + " in " + variables);
  }
}
