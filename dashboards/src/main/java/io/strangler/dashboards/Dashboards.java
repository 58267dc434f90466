package io.strangler.dashboards;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The monitoring files to hand to Grafana and Prometheus, as shipped in this jar: the dashboard,
 * Grafana's provisioning files, and the Prometheus rules with their promtool tests. Paths are
 * relative and use {@code /}, e.g. {@code grafana/strangler-migration.json}; {@link #exportTo}
 * writes them under a folder in the same layout.
 */
public final class Dashboards {
  /** The Grafana dashboard. */
  public static final String GRAFANA_DASHBOARD = "grafana/strangler-migration.json";

  /** Grafana provisioning: the Prometheus datasource. */
  public static final String GRAFANA_DATASOURCE = "grafana/provisioning/datasources/prometheus.yml";

  /** Grafana provisioning: a file provider reading the dashboard folder. */
  public static final String GRAFANA_DASHBOARD_PROVIDER =
      "grafana/provisioning/dashboards/strangler.yml";

  /** Prometheus recording and alerting rules. */
  public static final String PROMETHEUS_RULES = "prometheus/rules.yml";

  /** promtool unit tests of the rules ({@code promtool test rules rules.test.yml}). */
  public static final String PROMETHEUS_RULES_TESTS = "prometheus/rules.test.yml";

  /** Every file, in a stable order. */
  public static final List<String> PATHS =
      List.of(
          GRAFANA_DASHBOARD,
          GRAFANA_DATASOURCE,
          GRAFANA_DASHBOARD_PROVIDER,
          PROMETHEUS_RULES,
          PROMETHEUS_RULES_TESTS);

  private static final String ROOT = "/io/strangler/dashboards/";

  private Dashboards() {}

  /**
   * The bytes of one of {@link #PATHS}.
   *
   * @throws IllegalArgumentException naming the known paths when {@code path} is not one of them
   */
  public static byte[] bytes(String path) {
    if (!PATHS.contains(path)) {
      throw new IllegalArgumentException(
          "unknown dashboards file '" + path + "' (known: " + PATHS + ")");
    }
    try (InputStream in = Dashboards.class.getResourceAsStream(ROOT + path)) {
      if (in == null) {
        throw new IllegalStateException(
            ROOT + path + " is not on the classpath: the dashboards jar is incomplete");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + ROOT + path, e);
    }
  }

  /**
   * Writes every file under {@code dir} (created if needed), replacing files of the same name and
   * leaving anything else there alone. All files are read before the first is written, so a broken
   * jar writes nothing.
   *
   * @return the files written, in {@link #PATHS} order
   * @throws IOException if {@code dir} or a file cannot be written (e.g. {@code dir} is a file)
   */
  public static List<Path> exportTo(Path dir) throws IOException {
    List<byte[]> contents = new ArrayList<>();
    for (String path : PATHS) {
      contents.add(bytes(path));
    }
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < PATHS.size(); i++) {
      Path target = dir.resolve(PATHS.get(i));
      Files.createDirectories(target.getParent());
      Files.write(target, contents.get(i));
      written.add(target);
    }
    return List.copyOf(written);
  }
}
