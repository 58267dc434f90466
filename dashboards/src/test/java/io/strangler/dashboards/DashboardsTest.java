package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardsTest {
  @TempDir Path dir;

  @Test
  void exportTo_writesEveryFileInItsFolder() throws Exception {
    List<Path> written = Dashboards.exportTo(dir.resolve("monitoring"));

    assertThat(written).hasSize(Dashboards.PATHS.size());
    for (String path : Dashboards.PATHS) {
      Path file = dir.resolve("monitoring").resolve(path);
      assertThat(file).isRegularFile();
      assertThat(Files.readAllBytes(file)).isEqualTo(Dashboards.bytes(path));
    }
  }

  @Test
  void exportTo_replacesAnOlderExportAndKeepsOtherFiles() throws Exception {
    Path rules = dir.resolve(Dashboards.PROMETHEUS_RULES);
    Files.createDirectories(rules.getParent());
    Files.writeString(rules, "old");
    Files.writeString(dir.resolve("prometheus/local.yml"), "mine");

    Dashboards.exportTo(dir);

    assertThat(Files.readAllBytes(rules)).isEqualTo(Dashboards.bytes(Dashboards.PROMETHEUS_RULES));
    assertThat(dir.resolve("prometheus/local.yml")).hasContent("mine");
  }

  @Test
  void exportTo_aFile_fails() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "x");

    assertThatThrownBy(() -> Dashboards.exportTo(file)).isInstanceOf(IOException.class);
  }

  @Test
  void bytes_ofAnUnknownPath_namesTheKnownOnes() {
    assertThatThrownBy(() -> Dashboards.bytes("grafana/other.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grafana/other.json")
        .hasMessageContaining(Dashboards.PROMETHEUS_RULES);
  }
}
