package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.getunleash.FakeUnleash;
import io.getunleash.variant.Variant;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Unleash source over {@link FakeUnleash}: the client a test sets toggle by toggle. */
class UnleashFlagsFakeTest {
  private final FakeUnleash fake = new FakeUnleash();
  private UnleashFlags flags;

  @AfterEach
  void close() {
    if (flags != null) {
      flags.close();
    }
  }

  private UnleashFlags open() {
    flags =
        UnleashFlags.builder()
            .client(fake)
            .knownOperations(List.of("GetRepl", "CreateRepl"))
            .refreshInterval(Duration.ofMillis(20))
            .build();
    return flags;
  }

  private static Variant variant(String name) {
    return new Variant(name, (String) null, true);
  }

  @Test
  void decide_noToggles_defaultModeForEveryApi() {
    open();
    assertThat(flags.decide("GetRepl", "r1")).isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
    assertThat(flags.decide("Unknown", null)).isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
    assertThat(flags.snapshot().apis())
        .extracting(ApiFlag::operation, ApiFlag::source)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("CreateRepl", "default"),
            org.assertj.core.groups.Tuple.tuple("GetRepl", "default"));
  }

  @Test
  void decide_enabledToggleWithVariant_givesTheVariantsMode() {
    fake.enable("strangler.GetRepl");
    fake.setVariant("strangler.GetRepl", variant("NEW_PRIMARY"));
    open();
    assertThat(flags.decide("GetRepl", "r1")).isEqualTo(new Decision(Mode.NEW_PRIMARY, "unleash"));
    assertThat(flags.decide("GetRepl", null)).isEqualTo(new Decision(Mode.NEW_PRIMARY, "unleash"));
    assertThat(flags.decide("CreateRepl", "r1").mode()).isEqualTo(Mode.LEGACY_ONLY);
    assertThat(flags.snapshot().apis())
        .contains(
            new ApiFlag(
                "GetRepl", Mode.NEW_PRIMARY, null, Mode.NEW_PRIMARY, Mode.SHADOW, "unleash"));
  }

  @Test
  void decide_toggleOnForSomeKeys_othersGetDefaultWhenNoModeIsKnown() {
    Set<String> in = Set.of("r1", "r2");
    fake.conditionallyEnable(
        ctx -> ctx.getUserId().filter(in::contains).isPresent(), "strangler.GetRepl");
    fake.setVariant("strangler.GetRepl", variant("NEW_ONLY"));
    open();
    assertThat(flags.decide("GetRepl", "r1").mode()).isEqualTo(Mode.NEW_ONLY);
    assertThat(flags.decide("GetRepl", "r2").mode()).isEqualTo(Mode.NEW_ONLY);
    // A fake exposes no toggle definition, and the toggle is off without a key: no configured mode.
    assertThat(flags.decide("GetRepl", "r3")).isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
  }

  @Test
  void decide_toggleOffForKeyWithKnownMode_getsThePreviousMode() {
    // On without a key (so the configured mode is known), off for key r9: outside the rollout.
    fake.conditionallyEnable(
        ctx -> !ctx.getUserId().equals(java.util.Optional.of("r9")), "strangler.GetRepl");
    fake.setVariant("strangler.GetRepl", variant("NEW_PRIMARY"));
    open();
    assertThat(flags.decide("GetRepl", "r1").mode()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(flags.decide("GetRepl", "r9"))
        .isEqualTo(new Decision(Mode.SHADOW, "unleash, outside rollout"));
  }

  @Test
  void decide_variantChangeInUnleash_appliesWithoutRestart() {
    fake.enable("strangler.CreateRepl");
    fake.setVariant("strangler.CreateRepl", variant("SHADOW"));
    open();
    assertThat(flags.decide("CreateRepl", "r").mode()).isEqualTo(Mode.SHADOW);
    fake.setVariant("strangler.CreateRepl", variant("NEW_ONLY"));
    assertThat(flags.decide("CreateRepl", "r").mode()).isEqualTo(Mode.NEW_ONLY);
    await()
        .atMost(Duration.ofSeconds(2))
        .until(
            () -> flags.snapshot().apis().stream().anyMatch(a -> a.configured() == Mode.NEW_ONLY));
  }

  @Test
  void killSwitches_overrideEveryApi() {
    fake.enable("strangler.GetRepl");
    fake.setVariant("strangler.GetRepl", variant("SHADOW"));
    open();
    fake.enable(UnleashFlags.KILL_LEGACY);
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> flags.decide("GetRepl", "r").mode() == Mode.NEW_ONLY);
    assertThat(flags.decide("GetRepl", "r"))
        .isEqualTo(new Decision(Mode.NEW_ONLY, "unleash, kill.legacy"));
    assertThat(flags.decide("CreateRepl", "r"))
        .isEqualTo(new Decision(Mode.NEW_ONLY, "default, kill.legacy"));
    FlagsSnapshot s = flags.snapshot();
    assertThat(s.killLegacy()).isTrue();
    assertThat(s.apis()).extracting(ApiFlag::source).containsOnly(ApiFlag.KILL_SWITCH);

    fake.enable(UnleashFlags.KILL_NEW);
    await().atMost(Duration.ofSeconds(2)).until(() -> flags.decide("GetRepl", "r").isUnavailable());

    fake.disable(UnleashFlags.KILL_LEGACY, UnleashFlags.KILL_NEW);
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> flags.decide("GetRepl", "r").mode() == Mode.SHADOW);
  }

  @Test
  void decide_variantThatIsNoMode_isIgnoredAndShownAsError() {
    fake.enable("strangler.GetRepl");
    fake.setVariant("strangler.GetRepl", variant("SHADDOW"));
    open();
    assertThat(flags.decide("GetRepl", "r")).isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
    assertThat(flags.snapshot().error().message())
        .isEqualTo(
            "toggle strangler.GetRepl: variant 'SHADDOW' is not a mode (expected one of"
                + " LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY)");
  }

  @Test
  void decide_clientThatThrows_answersWithoutIt() {
    fake.enable("strangler.GetRepl");
    fake.conditionallyEnable(
        ctx -> {
          throw new IllegalStateException("boom");
        },
        "strangler.CreateRepl");
    flags = UnleashFlags.builder().client(fake).build();
    assertThat(flags.decide("CreateRepl", "r"))
        .isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
    assertThat(flags.snapshot().error().message())
        .contains("evaluating strangler.CreateRepl failed");
  }

  @Test
  void set_isRefusedPointingAtUnleash() {
    open();
    assertThat(flags.set("GetRepl", Mode.SHADOW, 100, "alice"))
        .isEqualTo(
            new SetResult.NotSupported(
                "flags are managed in Unleash: change toggle strangler.GetRepl there (its variant"
                    + " names the mode, its flexibleRollout strategy the rollout)"));
  }
}
