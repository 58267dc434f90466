package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.T0;
import static io.strangler.diff.report.TestCalls.answer;
import static io.strangler.diff.report.TestCalls.call;
import static io.strangler.diff.report.TestCalls.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.MissingNode;
import io.strangler.diff.Classification;
import io.strangler.diff.Observed;
import io.strangler.diff.Verdict;
import io.strangler.servers.RealServers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several instances' counters in one real PostgreSQL, added up by the fleet's readiness. */
@ExtendWith(RealServers.class)
class FleetCountersTest {
  private static final DiffConfig CONFIG =
      DiffConfig.builder()
          .apis(List.of("GetRepl", "CreateRepl"))
          .readinessWindow(Duration.ofMinutes(10))
          .readinessBuckets(10)
          .readinessMinCalls(10)
          .readinessThresholdPercent("90")
          .build();
  // Long enough that no flush happens behind the test's back: the tests flush themselves.
  private static final FleetCounters.Options MANUAL =
      FleetCounters.Options.defaults().withFlushInterval(Duration.ofMinutes(1));

  private final RealServers.PostgresDb db;
  private final List<FleetCounters> opened = new ArrayList<>();

  FleetCountersTest(RealServers.PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void emptyTables() throws SQLException {
    open("setup", new MutableClock(T0), MANUAL).close();
    sql("TRUNCATE diff_fleet_minute, diff_fleet_instance");
  }

  @AfterEach
  void closeAll() {
    opened.forEach(FleetCounters::close);
  }

  private FleetCounters open(String instance, MutableClock clock, FleetCounters.Options options) {
    FleetCounters f =
        FleetCounters.open(db.jdbcUrl(), db.user(), db.password(), instance, clock, options);
    opened.add(f);
    return f;
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private static DiffResult result(
      String api, Verdict verdict, Duration legacyLatency, Duration newLatency) {
    Observed legacy = answer("{}");
    Observed newer = verdict == Verdict.SHADOW_ERROR ? failure("INTERNAL") : answer("{}");
    ComparedCall c =
        call(api, CallKind.READ, "r", legacy, newer)
            .legacy(legacy, legacyLatency)
            .newer(newer, newLatency)
            .build();
    return new DiffResult(
        c,
        new Classification(
            verdict, MissingNode.getInstance(), MissingNode.getInstance(), List.of()),
        RecheckResult.NONE,
        T0);
  }

  private static void record(FleetCounters f, String api, Verdict verdict, int times) {
    for (int i = 0; i < times; i++) {
      f.onResult(result(api, verdict, Duration.ofMillis(2), Duration.ofMillis(3)));
    }
  }

  private static ApiReadiness find(List<ApiReadiness> all, String api) {
    return all.stream().filter(r -> r.api().equals(api)).findFirst().orElseThrow();
  }

  @Test
  void theFleetAddsUpEveryInstance_andOneInstanceCanBeReadAlone() {
    MutableClock clock = new MutableClock(T0.plusSeconds(5));
    FleetCounters a = open("a:8080", clock, MANUAL);
    FleetCounters b = open("b:8080", clock, MANUAL);
    FleetReadiness fleet = a.readiness(CONFIG, clock);

    record(a, "GetRepl", Verdict.MATCH, 6);
    record(a, "GetRepl", Verdict.SHADOW_TIMEOUT, 2);
    record(b, "GetRepl", Verdict.MATCH, 3);
    record(b, "GetRepl", Verdict.MISMATCH, 1);
    record(b, "CreateRepl", Verdict.SHADOW_ERROR, 4);
    a.flush();
    b.flush();

    ApiReadiness get = fleet.of("GetRepl");
    assertThat(get.compared()).isEqualTo(10);
    assertThat(get.consistent()).isEqualTo(9);
    assertThat(get.notCompared()).isEqualTo(2);
    assertThat(get.verdicts())
        .containsEntry("match", 9L)
        .containsEntry("mismatch", 1L)
        .containsEntry("shadow_timeout", 2L);
    assertThat(get.status())
        .as("9 of 10 at a 90% gate, from two instances that each had fewer")
        .isEqualTo(Readiness.Status.READY);
    assertThat(get.reason())
        .isEqualTo("consistency 90% (1 inconsistent of 10 compared) is at or above 90%");
    assertThat(get.legacy().calls()).isEqualTo(12);
    assertThat(get.legacy().p50Ms()).isCloseTo(2.0, within(2.0 * 0.19));
    assertThat(get.newBackend().p99Ms()).isCloseTo(3.0, within(3.0 * 0.19));
    ApiReadiness create = fleet.of("CreateRepl");
    assertThat(create.inconsistent()).isEqualTo(4);
    assertThat(create.newBackend().errors()).isEqualTo(4);
    assertThat(create.newBackend().errorRatePercent()).isEqualTo(100.0);

    assertThat(find(fleet.ofInstance("a:8080"), "GetRepl").compared()).isEqualTo(6);
    assertThat(find(fleet.ofInstance("b:8080"), "GetRepl").compared()).isEqualTo(4);
    assertThat(fleet.instances())
        .extracting(
            FleetReadiness.Instance::instance,
            FleetReadiness.Instance::live,
            FleetReadiness.Instance::compared)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a:8080", true, 6L),
            org.assertj.core.groups.Tuple.tuple("b:8080", true, 8L));
  }

  @Test
  void writingAgain_isHarmless_andOnlyChangedMinutesAreWritten() {
    MutableClock clock = new MutableClock(T0);
    FleetCounters a = open("a", clock, MANUAL);
    FleetReadiness fleet = a.readiness(CONFIG, clock);
    record(a, "GetRepl", Verdict.MATCH, 5);

    a.flush();
    a.flush();
    assertThat(a.rowsWritten()).as("the second flush had nothing new").isEqualTo(1);
    record(a, "GetRepl", Verdict.MATCH, 2);
    a.flush();

    assertThat(a.rowsWritten()).isEqualTo(2);
    assertThat(fleet.ofInstance("a"))
        .filteredOn(r -> r.api().equals("GetRepl"))
        .singleElement()
        .extracting(ApiReadiness::compared)
        .isEqualTo(7L);
  }

  @Test
  void aRestartUnderTheSameId_addsToWhatItsPredecessorWrote() {
    MutableClock clock = new MutableClock(T0);
    FleetCounters first = open("a", clock, MANUAL);
    record(first, "GetRepl", Verdict.MATCH, 4);
    first.close();

    FleetCounters second = open("a", clock, MANUAL);
    record(second, "GetRepl", Verdict.MATCH, 3);
    second.flush();

    FleetReadiness fleet = second.readiness(CONFIG, clock);
    assertThat(fleet.of("GetRepl").compared()).as("same minute, same id, two runs").isEqualTo(7);
    assertThat(fleet.instances())
        .extracting(FleetReadiness.Instance::live)
        .containsExactly(false, true);
  }

  @Test
  void minutesAreTheWriters_aClockUpToAMinuteAheadCounts_andTheWindowEndsWhereItShould() {
    MutableClock reader = new MutableClock(T0.plusSeconds(30));
    MutableClock ahead = new MutableClock(T0.plusSeconds(30 + 50)); // the next minute already
    MutableClock old = new MutableClock(T0.minus(Duration.ofMinutes(10)));
    FleetCounters fast = open("fast", ahead, MANUAL);
    FleetCounters stale = open("stale", old, MANUAL);
    record(fast, "GetRepl", Verdict.MATCH, 3);
    record(stale, "GetRepl", Verdict.MATCH, 5);
    fast.flush();
    stale.flush();

    FleetReadiness fleet = fast.readiness(CONFIG, reader);
    assertThat(fleet.of("GetRepl").compared())
        .as(
            "the fast writer's minute is counted; the one ten minutes back is out of a 10-minute window")
        .isEqualTo(3);

    reader.advance(Duration.ofMinutes(11));
    FleetReadiness later = fast.readiness(CONFIG, reader);
    assertThat(later.of("GetRepl").compared()).as("the window slid past both").isZero();
  }

  @Test
  void aLateWrite_landsInTheMinuteItCounted() {
    MutableClock clock = new MutableClock(T0);
    FleetCounters a = open("a", clock, MANUAL);
    record(a, "GetRepl", Verdict.MATCH, 4);
    clock.advance(Duration.ofMinutes(3)); // the flush comes three minutes later
    record(a, "GetRepl", Verdict.MISMATCH, 1);
    a.flush();

    FleetReadiness fleet = a.readiness(CONFIG, clock);
    ApiReadiness r = fleet.of("GetRepl");
    assertThat(r.compared()).isEqualTo(5);
    assertThat(r.inconsistent()).isEqualTo(1);
    assertThat(a.rowsWritten()).as("two minutes, two rows").isEqualTo(2);
  }

  @Test
  void whileTheDatabaseRefusesWrites_minutesAreHeldUpToTheBound_thenWrittenWhenItIsBack()
      throws SQLException {
    MutableClock clock = new MutableClock(T0);
    FleetCounters a =
        open("a", clock, new FleetCounters.Options(Duration.ofMinutes(1), 3, Duration.ofDays(1)));
    sql("ALTER TABLE diff_fleet_minute RENAME TO diff_fleet_minute_away");
    try {
      for (int minute = 0; minute < 5; minute++) {
        record(a, "GetRepl", Verdict.MATCH, 1);
        assertThatThrownBy(a::flush).isInstanceOf(IllegalStateException.class);
        clock.advance(Duration.ofMinutes(1));
      }
    } finally {
      sql("ALTER TABLE diff_fleet_minute_away RENAME TO diff_fleet_minute");
    }
    assertThat(a.flushFailures()).isEqualTo(5);
    assertThat(a.droppedMinutes()).as("five minutes, three held").isEqualTo(2);

    a.flush();
    assertThat(a.rowsWritten()).isEqualTo(3);
    assertThat(a.readiness(CONFIG, clock).of("GetRepl").compared()).isEqualTo(3);
  }

  @Test
  void theBackgroundWriter_flushesWithoutBeingAsked_andCloseWritesTheRest() {
    MutableClock clock = new MutableClock(T0);
    FleetCounters a =
        open(
            "a", clock, FleetCounters.Options.defaults().withFlushInterval(Duration.ofMillis(100)));
    FleetReadiness fleet = a.readiness(CONFIG, clock);
    record(a, "GetRepl", Verdict.MATCH, 2);

    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fleet.ofInstance("a").stream().mapToLong(ApiReadiness::compared).sum() == 2);

    FleetCounters b = open("b", clock, MANUAL);
    record(b, "GetRepl", Verdict.MATCH, 5);
    b.close();
    assertThat(fleet.ofInstance("b"))
        .filteredOn(r -> r.api().equals("GetRepl"))
        .singleElement()
        .extracting(ApiReadiness::compared)
        .isEqualTo(5L);
    assertThat(fleet.instances())
        .filteredOn(i -> i.instance().equals("b"))
        .singleElement()
        .satisfies(i -> assertThat(i.stoppedAt()).isNotNull());
  }

  @Test
  void latencyBuckets_roundTripWithinTheirWidth() {
    assertThat(LatencyBuckets.index(1)).isZero();
    assertThat(LatencyBuckets.index(100)).isZero();
    assertThat(LatencyBuckets.index(101)).isEqualTo(1);
    assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
    for (long micros : new long[] {150, 2_000, 37_000, 450_000, 9_000_000}) {
      long[] counts = new long[LatencyBuckets.COUNT];
      counts[LatencyBuckets.index(micros)] = 100;
      assertThat(LatencyBuckets.percentileMs(counts, 99))
          .isCloseTo(micros / 1000.0, within(micros / 1000.0 * 0.19));
    }
    assertThat(LatencyBuckets.percentileMs(new long[LatencyBuckets.COUNT], 50)).isNull();
  }
}
