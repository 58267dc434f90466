package io.strangler.cutover;

import static io.strangler.cutover.Exchanges.compared;
import static io.strangler.cutover.Exchanges.newPrimary;
import static io.strangler.cutover.Exchanges.notFound;
import static io.strangler.cutover.Exchanges.ok;
import static io.strangler.cutover.Exchanges.unavailable;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.diff.Observed;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.Telemetry;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.ApiFlag;
import io.strangler.flags.FileFlags;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cut-over over a real flags file, an injected clock and a health window fed by hand. */
class CutoverTest {
  private static final String API = "GetRepl";
  private static final ObjectNode EMPTY = JsonNodeFactory.instance.objectNode();

  @TempDir Path dir;
  private final TestClock clock = new TestClock(Instant.parse("2026-12-03T10:00:00Z"));
  private final AtomicReference<ApiHealth> health = new AtomicReference<>();
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

  private Cutover open(String apiJson, RollbackConfig rollback) throws IOException {
    Path file = dir.resolve("flags.json");
    Files.writeString(file, "{\"apis\": {" + apiJson + "}}");
    flags =
        OverridingFlags.wrap(
            FileFlags.builder(file)
                .knownOperations(List.of(API, "CreateRepl"))
                .clock(clock)
                .build());
    cutover =
        Cutover.builder(flags)
            .config(CutoverConfig.defaults().withRollback(rollback).withClock(clock))
            .inputs(api -> health.get() != null ? health.get() : unknown(api))
            .build();
    return cutover;
  }

  private static ApiHealth unknown(String api) {
    return new ApiHealth(api, null, null, BackendHealth.NONE, BackendHealth.NONE, null, null);
  }

  private Cutover openAtTenPercent() throws IOException {
    return open(
        "\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 10}",
        RollbackConfig.defaults().withWindow(Duration.ofSeconds(5)));
  }

  /**
   * One second of calls: {@code calls} on both backends, the first {@code newErrors} failing on the
   * new one.
   */
  private void second(int calls, int newErrors, long newMillis, long legacyMillis) {
    for (int i = 0; i < calls; i++) {
      cutover
          .window()
          .accept(
              newPrimary(
                  API, i < newErrors ? unavailable(newMillis) : ok(newMillis), ok(legacyMillis)));
    }
  }

  private void tick() {
    clock.advance(Duration.ofSeconds(1));
    cutover.check();
  }

  private ApiFlag flag() {
    return flags.snapshot().apis().stream()
        .filter(f -> f.operation().equals(API))
        .findFirst()
        .orElseThrow();
  }

  private static ApiHealth healthy() {
    return new ApiHealth(
        API,
        12_000L,
        99.995,
        new BackendHealth(5000, 5, 0, 0.1, 20.0),
        new BackendHealth(5000, 6, 0, 0.12, 22.0),
        0L,
        null);
  }

  @Test
  void check_newBackendFailingAtNewPrimaryTenPercent_stepsBackToShadowAfterThreeChecks()
      throws IOException {
    openAtTenPercent();

    second(100, 20, 5, 5);
    tick();
    second(100, 20, 5, 5);
    tick();
    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(cutover.status(API).orElseThrow().breachStreak()).isEqualTo(2);
    second(100, 20, 5, 5);
    tick();

    assertThat(flag().configured()).isEqualTo(Mode.SHADOW);
    assertThat(flag().rolloutPercent()).isEqualTo(100);
    assertThat(Files.readString(dir.resolve("flags.json")))
        .contains("SHADOW")
        .doesNotContain("NEW_PRIMARY");
    CutoverEvent e = cutover.audit(10).getFirst();
    assertThat(e.action()).isEqualTo(CutoverEvent.AUTO_ROLLBACK);
    assertThat(e.who()).isEqualTo("auto-rollback");
    assertThat(e.from()).isEqualTo("NEW_PRIMARY 10%");
    assertThat(e.to()).isEqualTo("SHADOW");
    assertThat(e.via()).isEqualTo("flags");
    assertThat(e.why())
        .contains("new error rate 20%", "60 errors", "300 calls", "3 consecutive checks");
    assertThat(e.gates()).extracting(Gate::name).contains(Gates.CONSISTENCY, Gates.ERROR_RATE);
    assertThat(cutover.status(API).orElseThrow().lastRollback()).isEqualTo(e);
  }

  @Test
  void check_rollbackOff_keepsNewPrimaryWhileTheNewBackendFails() throws IOException {
    open("\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 10}", RollbackConfig.off());
    assertThat(RollbackConfig.off().enabled()).isFalse();
    assertThat(RollbackConfig.defaults().enabled()).isTrue();

    // The failure that rolls back with the defaults (above), for a minute of checks.
    for (int s = 0; s < 60; s++) {
      second(100, 20, 5, 5);
      tick();
    }

    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(flag().rolloutPercent()).isEqualTo(10);
    assertThat(cutover.audit(10)).isEmpty();
  }

  /**
   * One second of calls where legacy, the shadow, fails {@code legacyErrors} of {@code calls} (the
   * pipeline calls those SHADOW_ERROR) and the new backend fails {@code newErrors}.
   */
  private void secondWithLegacyFailing(int calls, int legacyErrors, int newErrors) {
    for (int i = 0; i < calls; i++) {
      boolean legacyFails = i < legacyErrors;
      cutover
          .window()
          .accept(
              newPrimary(
                  API,
                  i >= calls - newErrors ? unavailable(5) : ok(5),
                  legacyFails ? new Outcome.TimedOut(Duration.ofMillis(500)) : ok(5)));
      cutover
          .window()
          .onResult(
              legacyFails
                  ? compared(API, Verdict.SHADOW_ERROR, new Observed.Failure("UNAVAILABLE", "x"))
                  : compared(API, Verdict.MATCH, new Observed.Answer(EMPTY)));
    }
  }

  @Test
  void check_legacyShadowFrozen_isNotTheNewBackendsFault_noRollback() throws IOException {
    open(
        "\"GetRepl\": {\"mode\": \"NEW_PRIMARY\"}",
        RollbackConfig.defaults().withWindow(Duration.ofSeconds(5)));

    // Every legacy shadow call fails: every compared call is inconsistent, none by the new side.
    for (int s = 0; s < 20; s++) {
      secondWithLegacyFailing(100, 100, 0);
      tick();
    }

    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(cutover.audit(10)).isEmpty();
    assertThat(cutover.window().stats(API))
        .extracting(HealthWindow.Stats::compared, HealthWindow.Stats::legacyFaulted)
        .containsExactly(0L, 400L);
    assertThat(cutover.status(API).orElseThrow().breachStreak()).isZero();
  }

  @Test
  void
      check_newFailingWhileLegacyFailingToo_holdsTheRollbackOnceAudited_thenRollsBackWhenLegacyHeals()
          throws IOException {
    Telemetry telemetry = Telemetry.create();
    Path file = dir.resolve("flags.json");
    Files.writeString(
        file, "{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 10}}}");
    flags =
        OverridingFlags.wrap(
            FileFlags.builder(file).knownOperations(List.of(API)).clock(clock).build());
    cutover =
        Cutover.builder(flags)
            .config(
                CutoverConfig.defaults()
                    .withRollback(RollbackConfig.defaults().withWindow(Duration.ofSeconds(5)))
                    .withClock(clock))
            .inputs(CutoverTest::unknown)
            .meterProvider(telemetry.meterProvider())
            .build();

    // New fails 40%, legacy 20%: the error threshold is crossed (20 points over legacy), but legacy
    // fails far more than the 5% a rollback may move authority onto.
    for (int s = 0; s < 10; s++) {
      secondWithLegacyFailing(100, 20, 40);
      tick();
    }

    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    List<CutoverEvent> audit = cutover.audit(10);
    assertThat(audit).hasSize(1);
    CutoverEvent held = audit.getFirst();
    assertThat(held)
        .extracting(
            CutoverEvent::action,
            CutoverEvent::from,
            CutoverEvent::to,
            CutoverEvent::who,
            CutoverEvent::via)
        .containsExactly(
            CutoverEvent.ROLLBACK_HELD,
            "NEW_PRIMARY 10%",
            "NEW_PRIMARY 10%",
            "auto-rollback",
            "none");
    assertThat(held.why())
        .contains(
            "new error rate 40%",
            "held: legacy error rate 20% (0 errors, 60 timeouts of 300 calls in 5 s) is above 5%");
    assertThat(cutover.status(API).orElseThrow().rollbackHeld()).isEqualTo(held);
    assertThat(telemetry.scrape())
        .contains("strangler_cutover_rollbacks_held_total{api=\"GetRepl\"} 1");

    // Legacy heals, the new backend still fails: once legacy's failures leave the window, back.
    int checks = 0;
    while (flag().configured() == Mode.NEW_PRIMARY && checks < 20) {
      secondWithLegacyFailing(100, 0, 40);
      tick();
      checks++;
    }

    assertThat(flag().configured()).isEqualTo(Mode.SHADOW);
    assertThat(checks).as("checks after legacy healed").isBetween(2, 5);
    assertThat(cutover.audit(1).getFirst().action()).isEqualTo(CutoverEvent.AUTO_ROLLBACK);
    assertThat(cutover.status(API).orElseThrow().rollbackHeld()).isNull();
    assertThat(telemetry.scrape())
        .contains("strangler_cutover_rollbacks_held_total{api=\"GetRepl\"} 1");
    telemetry.close();
  }

  @Test
  void check_newBackend300MsSlower_stepsBackToShadow() throws IOException {
    openAtTenPercent();

    for (int i = 0; i < 3; i++) {
      second(100, 0, 305, 5);
      tick();
    }

    assertThat(flag().configured()).isEqualTo(Mode.SHADOW);
    assertThat(cutover.audit(1).getFirst().why()).contains("new p99", "exceeds 1.5 x legacy p99");
  }

  @Test
  void check_aFewSlowCallsAmongFewerThanAHundred_doNotRollBack() throws IOException {
    openAtTenPercent();

    // 5 calls a second, one of them 300 ms slow: the window's p99 is that one call.
    for (int s = 0; s < 10; s++) {
      second(4, 0, 5, 5);
      second(1, 0, 305, 5);
      tick();
    }

    assertThat(cutover.window().stats(API).newer().p99Ms()).isGreaterThan(300);
    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(cutover.audit(10)).isEmpty();
  }

  @Test
  void check_callersOwnErrors_areNotTheNewBackendsFault() throws IOException {
    openAtTenPercent();

    for (int i = 0; i < 10; i++) {
      for (int c = 0; c < 100; c++) {
        cutover.window().accept(newPrimary(API, c < 30 ? notFound(5) : ok(5), ok(5)));
      }
      tick();
    }

    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(cutover.audit(10)).isEmpty();
  }

  @Test
  void check_borderlineErrorRateForFiveMinutes_neverRollsBack() throws IOException {
    openAtTenPercent();

    // 0.5% and 1.3% in alternate seconds: every 5 s window holds 0.82% or 0.98%, just under the
    // 1-point threshold, for five minutes of checks.
    for (int s = 0; s < 300; s++) {
      second(1000, s % 2 == 0 ? 5 : 13, 5, 5);
      tick();
      assertThat(cutover.status(API).orElseThrow().breachStreak()).isZero();
    }

    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(flag().rolloutPercent()).isEqualTo(10);
    assertThat(cutover.audit(10)).isEmpty();
  }

  @Test
  void check_thresholdCrossedInAlternateChecksForFiveMinutes_neverRollsBack() throws IOException {
    open(
        "\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 10}",
        RollbackConfig.defaults().withWindow(Duration.ofSeconds(2)));
    int crossed = 0;

    // A 2 s window read right after each second sees that second alone: 5% new errors in every
    // other second, healthy in between.
    for (int s = 0; s < 300; s++) {
      second(100, s % 2 == 0 ? 5 : 0, 5, 5);
      tick();
      crossed += cutover.status(API).orElseThrow().breachStreak();
    }

    assertThat(crossed).as("checks that saw the threshold crossed").isEqualTo(150);
    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(cutover.audit(10)).isEmpty();
  }

  @Test
  void check_neverRollsForward() throws IOException {
    open(
        "\"GetRepl\": {\"mode\": \"SHADOW\"}",
        RollbackConfig.defaults().withWindow(Duration.ofSeconds(5)));
    health.set(healthy());

    for (int s = 0; s < 30; s++) {
      second(100, 0, 5, 5);
      tick();
    }

    assertThat(flag().configured()).isEqualTo(Mode.SHADOW);
    assertThat(cutover.status(API).orElseThrow().ready()).isTrue();
    assertThat(cutover.audit(10)).isEmpty();
  }

  @Test
  void advance_consistencyBelowThreshold_isRefusedNamingTheGate() throws IOException {
    openAtTenPercent();
    ApiHealth h = healthy();
    health.set(
        new ApiHealth(API, h.compared(), 99.5, h.legacy(), h.newer(), h.pendingRepairs(), null));

    MoveResult r = cutover.advance(API, null, "looks fine", false, "ana");

    assertThat(r).isInstanceOf(MoveResult.Refused.class);
    MoveResult.Refused refused = (MoveResult.Refused) r;
    assertThat(refused.failing()).extracting(Gate::name).containsExactly(Gates.CONSISTENCY);
    assertThat(refused.message())
        .contains(
            "NEW_PRIMARY 10% -> NEW_PRIMARY 50% refused",
            "gate consistency 99.5% (needs >= 99.99%)");
    assertThat(flag().rolloutPercent()).isEqualTo(10);
    assertThat(cutover.audit(10)).isEmpty();
  }

  @Test
  void advance_repairsUnknown_isRefusedWithUnknown() throws IOException {
    openAtTenPercent();
    ApiHealth h = healthy();
    health.set(
        new ApiHealth(
            API, h.compared(), h.consistencyPercent(), h.legacy(), h.newer(), null, null));

    MoveResult.Refused r = (MoveResult.Refused) cutover.advance(API, null, null, false, "ana");

    assertThat(r.failing()).containsExactly(new Gate(Gates.REPAIRS, "unknown", "<= 0", false));
  }

  @Test
  void advance_gatesHold_movesOneStepAndAuditsWhoWhyAndValues() throws IOException {
    openAtTenPercent();
    health.set(healthy());

    MoveResult r = cutover.advance(API, null, "gates green for a day", false, "ana");

    assertThat(r).isInstanceOf(MoveResult.Moved.class);
    assertThat(flag().configured()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(flag().rolloutPercent()).isEqualTo(50);
    CutoverEvent e = cutover.audit(1).getFirst();
    assertThat(e)
        .extracting(
            CutoverEvent::action,
            CutoverEvent::from,
            CutoverEvent::to,
            CutoverEvent::who,
            CutoverEvent::why,
            CutoverEvent::via)
        .containsExactly(
            CutoverEvent.ADVANCE,
            "NEW_PRIMARY 10%",
            "NEW_PRIMARY 50%",
            "ana",
            "gates green for a day",
            "flags");
    assertThat(e.gates())
        .contains(
            new Gate(Gates.COMPARED, "12000", ">= 10000", true),
            new Gate(Gates.CONSISTENCY, "99.995%", ">= 99.99%", true),
            new Gate(Gates.ERROR_RATE, "new 0.12%, legacy 0.1%", "new <= legacy + 0.1 point", true),
            new Gate(Gates.P99, "new 22 ms, legacy 20 ms", "new <= 1.2 x legacy", true),
            new Gate(Gates.REPAIRS, "0", "<= 0", true));
  }

  @Test
  void advance_toNewOnly_needsARecentCleanDriftScan() throws IOException {
    open("\"GetRepl\": {\"mode\": \"NEW_PRIMARY\"}", RollbackConfig.defaults());
    ApiHealth h = healthy();
    health.set(
        new ApiHealth(
            API,
            h.compared(),
            h.consistencyPercent(),
            h.legacy(),
            h.newer(),
            0L,
            new DriftScan(clock.instant().minus(Duration.ofHours(2)), 0)));

    MoveResult.Refused r = (MoveResult.Refused) cutover.advance(API, null, null, false, "ana");
    assertThat(r.failing()).extracting(Gate::name).containsExactly(Gates.DRIFT);

    health.set(
        new ApiHealth(
            API,
            h.compared(),
            h.consistencyPercent(),
            h.legacy(),
            h.newer(),
            0L,
            new DriftScan(clock.instant().minus(Duration.ofMinutes(10)), 0)));
    assertThat(cutover.advance(API, null, null, false, "ana")).isInstanceOf(MoveResult.Moved.class);
    assertThat(flag().configured()).isEqualTo(Mode.NEW_ONLY);
  }

  @Test
  void advance_forced_needsAReasonAndIsAuditedAsForced() throws IOException {
    openAtTenPercent();

    assertThat(cutover.advance(API, null, null, true, "ana"))
        .isInstanceOf(MoveResult.Invalid.class);
    MoveResult r = cutover.advance(API, "NEW_PRIMARY 100%", "vendor deadline", true, "ana");

    assertThat(r).isInstanceOf(MoveResult.Moved.class);
    assertThat(flag().rolloutPercent()).isEqualTo(100);
    CutoverEvent e = cutover.audit(1).getFirst();
    assertThat(e.action()).isEqualTo(CutoverEvent.FORCED_ADVANCE);
    assertThat(e.why()).isEqualTo("vendor deadline");
    assertThat(e.gates()).allSatisfy(g -> assertThat(g.value()).isEqualTo("unknown"));
  }

  @Test
  void advance_toAStepBelow_isInvalid_andRollbackStepsDownOne() throws IOException {
    openAtTenPercent();

    assertThat(cutover.advance(API, "SHADOW", null, false, "ana"))
        .isInstanceOf(MoveResult.Invalid.class);
    assertThat(cutover.rollback(API, "on-call hunch", "bo")).isInstanceOf(MoveResult.Moved.class);

    assertThat(flag().rolloutPercent()).isEqualTo(1);
    assertThat(cutover.audit(1).getFirst())
        .extracting(CutoverEvent::action, CutoverEvent::who, CutoverEvent::why)
        .containsExactly(CutoverEvent.ROLLBACK, "bo", "on-call hunch");
  }

  @Test
  void status_showsPositionNextAndGates() throws IOException {
    openAtTenPercent();

    ApiStatus s = cutover.status(API).orElseThrow();

    assertThat(s.current()).isEqualTo("NEW_PRIMARY 10%");
    assertThat(s.position()).isEqualTo(3);
    assertThat(s.next()).isEqualTo("NEW_PRIMARY 50%");
    assertThat(s.previous()).isEqualTo("NEW_PRIMARY 1%");
    assertThat(s.ready()).isFalse();
    assertThat(cutover.status("CreateRepl").orElseThrow())
        .extracting(ApiStatus::current, ApiStatus::next, ApiStatus::ready)
        .containsExactly("LEGACY_ONLY", "SHADOW", true);
  }
}
