package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where `serve` keeps its Unleash backup file when none is given: its own, per instance. */
class ServeUnleashBackupTest {
  @Test
  void unleashBackup_twoInstancesOnOneHost_getTwoFilesInTheirStateDirs() {
    Path a = ServeCommand.unleashBackup(Path.of("strangler-state"), "host-1:8080");
    Path b = ServeCommand.unleashBackup(Path.of("strangler-state"), "host-1:8090");

    assertThat(a).isNotEqualTo(b);
    assertThat(a).isEqualTo(Path.of("strangler-state", "unleash-backup-host-1_8080.json"));
    assertThat(ServeCommand.unleashBackup(Path.of("/var/lib/proxy-2"), "host-1:8080"))
        .isEqualTo(Path.of("/var/lib/proxy-2", "unleash-backup-host-1_8080.json"));
  }
}
