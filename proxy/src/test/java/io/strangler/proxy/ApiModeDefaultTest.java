package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.getunleash.FakeUnleash;
import io.strangler.flags.FileFlags;
import io.strangler.flags.UnleashFlags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every API has its strangler_api_mode series, flagged or not. */
class ApiModeDefaultTest {
  @TempDir Path dir;

  @Test
  void modes_apiWithoutAFlag_getsTheDefaultMode() throws Exception {
    Path file = dir.resolve("flags.json");
    Files.writeString(
        file,
        "{\"defaultMode\": \"SHADOW\", \"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\"}}}");
    try (FileFlags source =
        FileFlags.builder(file).knownOperations(TestStrangler.OPERATIONS).build()) {
      assertThat(StranglerServer.modes(source))
          .containsEntry("GetRepl", "NEW_PRIMARY")
          .containsEntry("ListMachines", "SHADOW")
          .containsOnlyKeys(TestStrangler.OPERATIONS);
    }
  }

  @Test
  void modes_unleashWithoutAnyToggle_exportsEveryApiInTheDefaultMode() {
    try (UnleashFlags source =
        UnleashFlags.builder()
            .client(new FakeUnleash())
            .knownOperations(TestStrangler.OPERATIONS)
            .refreshInterval(Duration.ofMillis(20))
            .build()) {
      assertThat(StranglerServer.modes(source))
          .containsOnlyKeys(TestStrangler.OPERATIONS)
          .containsEntry("GetRepl", "LEGACY_ONLY");
    }
  }
}
