package io.strangler.cutover;

import static io.strangler.cutover.Exchanges.newPrimary;
import static io.strangler.cutover.Exchanges.ok;
import static io.strangler.cutover.Exchanges.unavailable;
import static org.assertj.core.api.Assertions.assertThat;

import io.getunleash.FakeUnleash;
import io.getunleash.variant.Variant;
import io.strangler.flags.ApiFlag;
import io.strangler.flags.Decision;
import io.strangler.flags.FlagOverride;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.flags.UnleashFlags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unleash is read-only to the proxy: a rollback there is an override the proxy holds, which
 * outranks the toggle until it is cleared. Over {@link FakeUnleash} and over a real client started
 * from a bootstrap file.
 */
class UnleashOverrideTest {
  private static final String API = "GetRepl";

  @TempDir Path dir;
  private final TestClock clock = new TestClock(Instant.parse("2026-12-03T10:00:00Z"));
  private OverridingFlags flags;
  private Cutover cutover;

  @AfterEach
  void close() {
    if (cutover != null) {
      cutover.close();
    }
    if (flags != null) {
      flags.close();
    }
  }

  private void open(UnleashFlags unleash) {
    flags = OverridingFlags.wrap(unleash);
    cutover =
        Cutover.builder(flags)
            .config(
                CutoverConfig.defaults()
                    .withRollback(RollbackConfig.defaults().withWindow(Duration.ofSeconds(5)))
                    .withClock(clock))
            .build();
  }

  private void failingNewBackend() {
    for (int s = 0; s < 3; s++) {
      for (int i = 0; i < 100; i++) {
        cutover.window().accept(newPrimary(API, i < 25 ? unavailable(5) : ok(5), ok(5)));
      }
      clock.advance(Duration.ofSeconds(1));
      cutover.check();
    }
  }

  private ApiFlag flag() {
    return flags.snapshot().apis().stream()
        .filter(f -> f.operation().equals(API))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void autoRollback_fakeUnleash_holdsAnOverrideUntilCleared() {
    FakeUnleash fake = new FakeUnleash();
    fake.enable("strangler." + API);
    fake.setVariant("strangler." + API, new Variant("NEW_PRIMARY", (String) null, true));
    open(
        UnleashFlags.builder()
            .client(fake)
            .knownOperations(List.of(API))
            .refreshInterval(Duration.ofMillis(20))
            .build());
    assertThat(flags.decide(API, "r1").mode()).isEqualTo(Mode.NEW_PRIMARY);

    failingNewBackend();

    assertThat(flags.decide(API, "r1")).isEqualTo(new Decision(Mode.SHADOW, "override"));
    assertThat(flag())
        .extracting(ApiFlag::configured, ApiFlag::source)
        .containsExactly(Mode.SHADOW, ApiFlag.OVERRIDE);
    FlagOverride o = flags.snapshot().overrides().getFirst();
    assertThat(o.who()).isEqualTo("auto-rollback");
    assertThat(o.reason()).startsWith("auto-rollback: new error rate 25%");
    assertThat(cutover.audit(1).getFirst().via()).isEqualTo("override");

    MoveResult cleared = cutover.clearOverride(API, "ana");

    assertThat(cleared).isInstanceOf(MoveResult.Moved.class);
    assertThat(((MoveResult.Moved) cleared).event())
        .extracting(CutoverEvent::action, CutoverEvent::from, CutoverEvent::to, CutoverEvent::who)
        .containsExactly(CutoverEvent.CLEAR_OVERRIDE, "SHADOW", "NEW_PRIMARY", "ana");
    assertThat(flags.decide(API, "r1")).isEqualTo(new Decision(Mode.NEW_PRIMARY, "unleash"));
    assertThat(flags.snapshot().overrides()).isEmpty();
    assertThat(cutover.clearOverride(API, "ana")).isInstanceOf(MoveResult.Invalid.class);
  }

  @Test
  void overrides_killSwitchStillComesLast() {
    FakeUnleash fake = new FakeUnleash();
    open(
        UnleashFlags.builder()
            .client(fake)
            .knownOperations(List.of(API))
            .refreshInterval(Duration.ofMillis(20))
            .build());
    flags.override(
        new FlagOverride(
            API,
            new io.strangler.flags.ApiSetting(Mode.NEW_PRIMARY, 100),
            "test",
            "ana",
            clock.instant()));
    assertThat(flags.decide(API, "r1").mode()).isEqualTo(Mode.NEW_PRIMARY);

    fake.enable(UnleashFlags.KILL_NEW);

    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(flags.decide(API, "r1").mode()).isEqualTo(Mode.LEGACY_ONLY));
  }

  @Test
  void rollbackAndAutoRollback_realClientFromBootstrapFile_overrideOutranksTheToggle()
      throws Exception {
    Path bootstrap = dir.resolve("bootstrap.json");
    Files.writeString(
        bootstrap,
        """
        {"version": 2, "features": [
          {"name": "strangler.GetRepl", "enabled": true,
           "strategies": [{"name": "flexibleRollout", "constraints": [],
             "parameters": {"rollout": "100", "stickiness": "userId", "groupId": "strangler.GetRepl"}}],
           "variants": [{"name": "NEW_PRIMARY", "weight": 1000, "weightType": "variable", "stickiness": "userId"}]},
          {"name": "strangler.kill.legacy", "enabled": false, "strategies": [{"name": "default"}]},
          {"name": "strangler.kill.new", "enabled": false, "strategies": [{"name": "default"}]}
        ]}
        """);
    open(
        UnleashFlags.builder()
            .offline()
            .bootstrapFile(bootstrap)
            .backupFile(dir.resolve("backup.json"))
            .knownOperations(List.of(API))
            .build());
    assertThat(flag())
        .extracting(ApiFlag::configured, ApiFlag::rolloutPercent)
        .containsExactly(Mode.NEW_PRIMARY, 100);

    MoveResult r = cutover.rollback(API, "canary first", "ana");

    assertThat(r).isInstanceOf(MoveResult.Moved.class);
    assertThat(((MoveResult.Moved) r).event())
        .extracting(CutoverEvent::to, CutoverEvent::via)
        .containsExactly("NEW_PRIMARY 50%", "override");
    long inNewPrimary =
        java.util.stream.IntStream.range(0, 2000)
            .filter(i -> flags.decide(API, "repl-" + i).mode() == Mode.NEW_PRIMARY)
            .count();
    assertThat(inNewPrimary).isBetween(900L, 1100L);

    failingNewBackend();

    assertThat(flags.decide(API, "repl-1")).isEqualTo(new Decision(Mode.SHADOW, "override"));
    assertThat(flags.snapshot().overrides())
        .singleElement()
        .satisfies(o -> assertThat(o.reason()).contains("new error rate 25%"));
  }
}
