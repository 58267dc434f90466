package io.strangler.diff.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strangler.diff.DiffRules;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiffConfigTest {
  @Test
  void build_defaults_asDocumented() {
    DiffConfig c = DiffConfig.defaults();

    assertThat(c.queueCapacity()).isEqualTo(10_000);
    assertThat(c.sampling("AnyApi")).isEqualTo(1.0);
    assertThat(c.recheckDelay()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.readinessMinCalls()).isEqualTo(10_000);
    assertThat(c.readinessThresholdPercent()).isEqualByComparingTo("99.99");
    assertThat(c.maxMismatchPathsPerApi()).isEqualTo(50);
  }

  @Test
  void build_severalBadSettings_oneMessageNamingEach() {
    assertThatThrownBy(
            () ->
                DiffConfig.builder()
                    .queueCapacity(0)
                    .sampling("GetRepl", 1.5)
                    .recheckDelay(Duration.ofMillis(-1))
                    .readinessWindow(Duration.ofMinutes(10))
                    .readinessBuckets(7)
                    .readinessThresholdPercent("101")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid diff config: ")
        .hasMessageContaining("queueCapacity must be at least 1, got 0")
        .hasMessageContaining("sampling of GetRepl must be a ratio between 0 and 1, got 1.5")
        .hasMessageContaining("recheckDelay must not be negative, got PT-0.001S")
        .hasMessageContaining("readinessWindow (600000 ms) must be a whole number of milliseconds")
        .hasMessageContaining("readinessThresholdPercent must be between 0 and 100, got 101");
  }

  @Test
  void build_knownApis_misspeltSamplingOrRulesApiFails() {
    assertThatThrownBy(
            () ->
                DiffConfig.builder()
                    .apis(List.of("GetRepl", "ListMachines"))
                    .sampling("GetRepll", 0.5)
                    .build())
        .hasMessageContaining(
            "sampling names unknown API(s) [GetRepll]; the APIs are [GetRepl, ListMachines]");
    assertThatThrownBy(
            () ->
                DiffConfig.builder()
                    .apis(List.of("GetRepl"))
                    .rules(
                        DiffRules.parse(
                            "test", DiffRules.Format.YAML, "version: 1\napis:\n  CreateRepl: {}\n"))
                    .build())
        .hasMessageContaining("unknown API(s)");
  }

  @Test
  void readinessThreshold_notANumber_saysWhatIsExpected() {
    assertThatThrownBy(() -> DiffConfig.builder().readinessThresholdPercent("99.99%"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "readinessThresholdPercent must be a decimal number such as 99.99, got '99.99%'");
  }
}
