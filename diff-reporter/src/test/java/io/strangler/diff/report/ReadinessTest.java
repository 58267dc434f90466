package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.T0;
import static io.strangler.diff.report.TestCalls.answer;
import static io.strangler.diff.report.TestCalls.call;
import static io.strangler.diff.report.TestCalls.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.node.MissingNode;
import io.strangler.diff.Classification;
import io.strangler.diff.Observed;
import io.strangler.diff.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  private final MutableClock clock = new MutableClock(T0);

  private static DiffResult result(String api, Verdict verdict) {
    return result(
        api, verdict, answer("{}"), answer("{}"), Duration.ofMillis(1), Duration.ofMillis(1));
  }

  private static DiffResult result(
      String api,
      Verdict verdict,
      Observed legacy,
      Observed newer,
      Duration legacyLatency,
      Duration newLatency) {
    ComparedCall call =
        call(api, CallKind.READ, "r", legacy, newer)
            .legacy(legacy, legacyLatency)
            .newer(newer, newLatency)
            .build();
    Classification c =
        new Classification(
            verdict, MissingNode.getInstance(), MissingNode.getInstance(), List.of());
    return new DiffResult(call, c, RecheckResult.NONE, T0);
  }

  private Readiness readiness(DiffConfig.Builder config) {
    return new Readiness(config.build(), clock);
  }

  private static void record(Readiness r, String api, Verdict verdict, int times) {
    for (int i = 0; i < times; i++) {
      r.onResult(result(api, verdict));
    }
  }

  private static DiffConfig.Builder small() {
    return DiffConfig.builder()
        .readinessWindow(Duration.ofMinutes(10))
        .readinessBuckets(10)
        .readinessMinCalls(10)
        .readinessThresholdPercent("90");
  }

  @Test
  void gate_fewerCallsThanMinimum_notReadyThenReadyAtExactlyTheThreshold() {
    Readiness r = readiness(small());

    record(r, "GetRepl", Verdict.MATCH, 9);
    ApiReadiness nine = r.of("GetRepl");
    assertThat(nine.status()).isEqualTo(Readiness.Status.NOT_READY);
    assertThat(nine.reason()).isEqualTo("10 compared calls needed in the window, 9 so far");

    record(r, "GetRepl", Verdict.MISMATCH, 1);
    ApiReadiness ten = r.of("GetRepl");
    assertThat(ten.compared()).isEqualTo(10);
    assertThat(ten.consistencyPercent()).isEqualTo(90.0);
    assertThat(ten.status()).as("9 of 10 is exactly 90%").isEqualTo(Readiness.Status.READY);
    assertThat(ten.reason())
        .isEqualTo("consistency 90% (1 inconsistent of 10 compared) is at or above 90%");

    record(r, "GetRepl", Verdict.MISMATCH, 1);
    ApiReadiness eleven = r.of("GetRepl");
    assertThat(eleven.status()).isEqualTo(Readiness.Status.NOT_READY);
    assertThat(eleven.reason())
        .isEqualTo("consistency 81.8181% (2 inconsistent of 11 compared) is below 90%");
  }

  @Test
  void gate_defaults_readyAt9999Of10000_notReadyAt9998() {
    Readiness r = readiness(DiffConfig.builder());

    record(r, "A", Verdict.MATCH, 9_999);
    record(r, "A", Verdict.MISMATCH, 1);
    record(r, "B", Verdict.MATCH, 9_998);
    record(r, "B", Verdict.MISMATCH, 2);
    record(r, "C", Verdict.MATCH, 9_999);

    assertThat(r.of("A").status()).isEqualTo(Readiness.Status.READY);
    assertThat(r.of("A").thresholdPercent()).isEqualByComparingTo("99.99");
    assertThat(r.of("B").status()).isEqualTo(Readiness.Status.NOT_READY);
    assertThat(r.of("B").reason())
        .isEqualTo("consistency 99.98% (2 inconsistent of 10000 compared) is below 99.99%");
    assertThat(r.of("C").status())
        .as("all consistent, one call short")
        .isEqualTo(Readiness.Status.NOT_READY);
  }

  @Test
  void verdicts_raceAndSameErrorsConsistent_timeoutsAndDropsNotCompared() {
    Readiness r = readiness(small());

    record(r, "GetRepl", Verdict.MATCH, 2);
    record(r, "GetRepl", Verdict.RACE, 3);
    record(r, "GetRepl", Verdict.BOTH_ERROR_SAME, 4);
    record(r, "GetRepl", Verdict.MISMATCH, 1);
    record(r, "GetRepl", Verdict.BOTH_ERROR_DIFFERENT, 1);
    record(r, "GetRepl", Verdict.AUTHORITATIVE_ERROR, 1);
    record(r, "GetRepl", Verdict.SHADOW_ERROR, 1);
    record(r, "GetRepl", Verdict.SHADOW_TIMEOUT, 5);
    record(r, "GetRepl", Verdict.SHADOW_DROPPED, 6);

    ApiReadiness a = r.of("GetRepl");
    assertThat(a.consistent()).isEqualTo(9);
    assertThat(a.inconsistent()).isEqualTo(4);
    assertThat(a.compared()).isEqualTo(13);
    assertThat(a.notCompared()).isEqualTo(11);
    assertThat(a.verdicts()).containsEntry("race", 3L).containsEntry("shadow_dropped", 6L);
    assertThat(a.consistencyPercent()).isCloseTo(900.0 / 13, within(1e-9));
  }

  @Test
  void window_resultsExpireWhenTheWindowHasSlidPastTheirBucket() {
    Readiness r = readiness(small());
    record(r, "GetRepl", Verdict.MATCH, 10);
    assertThat(r.of("GetRepl").status()).isEqualTo(Readiness.Status.READY);

    clock.advance(Duration.ofMinutes(5));
    record(r, "GetRepl", Verdict.MISMATCH, 2);
    assertThat(r.of("GetRepl").compared()).isEqualTo(12);

    clock.set(T0.plus(Duration.ofMinutes(10)).minusMillis(1));
    assertThat(r.of("GetRepl").compared()).as("the first bucket is still in").isEqualTo(12);

    clock.set(T0.plus(Duration.ofMinutes(10)));
    ApiReadiness slid = r.of("GetRepl");
    assertThat(slid.compared()).as("the first bucket has left the window").isEqualTo(2);
    assertThat(slid.status()).isEqualTo(Readiness.Status.NOT_READY);

    clock.advance(Duration.ofMinutes(5));
    ApiReadiness empty = r.of("GetRepl");
    assertThat(empty.compared()).isZero();
    assertThat(empty.consistencyPercent()).isNull();
    assertThat(empty.reason()).isEqualTo("10 compared calls needed in the window, none so far");
  }

  @Test
  void window_bucketReusedAfterAFullTurn_oldCountsGone() {
    Readiness r = readiness(small());
    record(r, "GetRepl", Verdict.MISMATCH, 5);

    clock.advance(Duration.ofMinutes(10)); // the same ring slot, one turn later
    record(r, "GetRepl", Verdict.MATCH, 1);

    assertThat(r.of("GetRepl").compared()).isEqualTo(1);
    assertThat(r.of("GetRepl").inconsistent()).isZero();
  }

  @Test
  void backends_percentilesAndErrorRatesOverTheWindow() {
    Readiness r = readiness(small());
    for (int ms = 1; ms <= 100; ms++) {
      r.onResult(
          result(
              "ListMachines",
              Verdict.MATCH,
              answer("{}"),
              answer("{}"),
              Duration.ofMillis(ms),
              Duration.ofMillis(2L * ms)));
      if (ms % 10 == 0) {
        clock.advance(Duration.ofSeconds(30)); // spread over several buckets
      }
    }
    r.onResult(
        result(
            "ListMachines",
            Verdict.SHADOW_ERROR,
            answer("{}"),
            failure("INTERNAL"),
            Duration.ofMillis(1),
            Duration.ofMillis(1)));
    r.onResult(
        result(
            "ListMachines",
            Verdict.SHADOW_TIMEOUT,
            answer("{}"),
            new Observed.TimedOut(),
            Duration.ofMillis(1),
            null));
    r.onResult(
        result(
            "ListMachines",
            Verdict.SHADOW_DROPPED,
            answer("{}"),
            new Observed.Dropped(),
            Duration.ofMillis(1),
            null));

    ApiReadiness a = r.of("ListMachines");
    assertThat(a.legacy().calls()).isEqualTo(103);
    assertThat(a.legacy().errorRatePercent()).isEqualTo(0.0);
    // 103 latencies: 1 ms four times, then 2..100 ms; HdrHistogram keeps two significant digits.
    assertThat(a.legacy().p50Ms()).isCloseTo(49.0, withinPercentage(1));
    assertThat(a.legacy().p99Ms()).isCloseTo(99.0, withinPercentage(1));
    assertThat(a.newBackend().calls()).as("a dropped call was not made").isEqualTo(102);
    assertThat(a.newBackend().errors()).isEqualTo(1);
    assertThat(a.newBackend().timeouts()).isEqualTo(1);
    assertThat(a.newBackend().errorRatePercent()).isCloseTo(200.0 / 102, within(1e-9));
    // 101 latencies: the error's 1 ms, then 2, 4, .. 200 ms (the timeout has none).
    assertThat(a.newBackend().p50Ms()).isCloseTo(100.0, withinPercentage(1));
    assertThat(a.newBackend().p99Ms()).isCloseTo(198.0, withinPercentage(1));
  }

  @Test
  void all_configuredApisListedBeforeTheirFirstCall() {
    Readiness r = readiness(small().apis(TestCalls.TWELVE_APIS));
    record(r, "GetRepl", Verdict.MATCH, 1);

    assertThat(r.all()).hasSize(12);
    assertThat(r.all()).extracting(ApiReadiness::api).startsWith("ConnectRepl", "CreateRepl");
    assertThat(r.of("GetRepl").compared()).isEqualTo(1);
    ApiReadiness idle = r.all().get(1);
    assertThat(idle.compared()).isZero();
    assertThat(idle.legacy().calls()).isZero();
    assertThat(idle.legacy().p50Ms()).isNull();
    assertThat(idle.legacy().errorRatePercent()).isNull();
    assertThat(idle.status()).isEqualTo(Readiness.Status.NOT_READY);
  }
}
