package io.strangler.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The shipped dashboard and rules, parsed, with the PromQL expressions they hold. */
final class MonitoringFiles {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private MonitoringFiles() {}

  static JsonNode dashboard() {
    return read(JSON, Dashboards.GRAFANA_DASHBOARD);
  }

  static JsonNode rules() {
    return read(YAML, Dashboards.PROMETHEUS_RULES);
  }

  static JsonNode rulesTests() {
    return read(YAML, Dashboards.PROMETHEUS_RULES_TESTS);
  }

  static JsonNode read(ObjectMapper mapper, String path) {
    try {
      return mapper.readTree(Dashboards.bytes(path));
    } catch (IOException e) {
      throw new UncheckedIOException(path + " does not parse", e);
    }
  }

  /** Every panel, rows and the panels inside collapsed rows included. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      all.add(panel);
      panel.path("panels").forEach(all::add);
    }
    return all;
  }

  /** Each dashboard query by where it is ({@code panel 'title' A}, {@code variable api}). */
  static Map<String, String> dashboardExprs() {
    JsonNode dashboard = dashboard();
    Map<String, String> exprs = new LinkedHashMap<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        exprs.put(
            "panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
            target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        String query = variable.path("query").path("query").asText(variable.path("query").asText());
        // label_values(metric, label) is Grafana's, not PromQL: its first argument is the selector.
        exprs.put(
            "variable " + variable.path("name").asText(),
            query.replaceAll("^label_values\\(([^,]+),.*\\)$", "$1"));
      }
    }
    return exprs;
  }

  /** Each rule's expression by its name (recording rules by {@code record}, alerts by name). */
  static Map<String, String> ruleExprs() {
    Map<String, String> exprs = new LinkedHashMap<>();
    for (JsonNode rule : rulesList()) {
      String name = rule.has("record") ? rule.path("record").asText() : rule.path("alert").asText();
      exprs.put(name, rule.path("expr").asText());
    }
    return exprs;
  }

  static List<JsonNode> rulesList() {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode group : rules().path("groups")) {
      group.path("rules").forEach(rules::add);
    }
    return rules;
  }

  static Set<String> recordedNames() {
    Set<String> names = new TreeSet<>();
    rulesList().stream()
        .filter(r -> r.has("record"))
        .forEach(r -> names.add(r.path("record").asText()));
    return names;
  }

  static List<JsonNode> alerts() {
    return rulesList().stream().filter(r -> r.has("alert")).toList();
  }

  /** Metric names (not recording rules) that the dashboard or the rules select. */
  static Set<String> metricNamesUsed() {
    Set<String> names = new TreeSet<>();
    for (String expr : dashboardExprs().values()) {
      names.addAll(PromQl.seriesNames(expr));
    }
    for (String expr : ruleExprs().values()) {
      names.addAll(PromQl.seriesNames(expr));
    }
    names.removeIf(PromQl::isRecorded);
    return names;
  }
}
