package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.flags.FileFlags;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mode the metrics report per API is the one calls are dispatched in, kill switches applied.
 */
class ApiModeGaugeTest {
  @TempDir Path dir;

  @Test
  void modes_applyTheKillSwitches() throws Exception {
    Path file = dir.resolve("flags.json");
    FlagsFile flags =
        FlagsFile.allIn(Mode.SHADOW, TestStrangler.OPERATIONS)
            .with("GetRepl", io.strangler.flags.ApiSetting.of(Mode.NEW_PRIMARY));
    Files.write(file, flags.toJson());
    try (FileFlags source =
        FileFlags.builder(file).knownOperations(TestStrangler.OPERATIONS).build()) {
      assertThat(StranglerServer.modes(source))
          .containsEntry("GetRepl", "NEW_PRIMARY")
          .containsEntry("GetHostingMetadata", "SHADOW");
    }
    Files.write(file, flags.withKillSwitches(false, true).toJson());
    try (FileFlags source =
        FileFlags.builder(file).knownOperations(TestStrangler.OPERATIONS).build()) {
      assertThat(StranglerServer.modes(source))
          .containsEntry("GetRepl", "LEGACY_ONLY")
          .containsEntry("GetHostingMetadata", "LEGACY_ONLY");
    }
    Files.write(file, flags.withKillSwitches(true, true).toJson());
    try (FileFlags source =
        FileFlags.builder(file).knownOperations(TestStrangler.OPERATIONS).build()) {
      assertThat(StranglerServer.modes(source)).containsEntry("GetRepl", "UNAVAILABLE");
    }
  }
}
