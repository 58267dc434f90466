package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.T0;
import static io.strangler.diff.report.TestCalls.answer;
import static io.strangler.diff.report.TestCalls.call;
import static io.strangler.diff.report.TestCalls.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.Classifier;
import io.strangler.diff.DiffRules;
import io.strangler.diff.FieldDiff;
import io.strangler.diff.Observed;
import io.strangler.diff.Recheck;
import io.strangler.diff.Verdict;
import io.strangler.servers.RealServers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RealServers.class)
class MismatchStoreTest {
  private static final Classifier CLASSIFIER = new Classifier(DiffRules.strict());

  private final RealServers.PostgresDb db;
  private final MutableClock clock = new MutableClock(T0);
  private MismatchStore store;

  MismatchStoreTest(RealServers.PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void emptyTable() throws SQLException {
    open(DiffConfig.builder());
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE diff_mismatch_sample");
    }
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private void open(DiffConfig.Builder config) {
    if (store != null) {
      store.close();
    }
    store = MismatchStore.open(db.jdbcUrl(), db.user(), db.password(), config.build(), clock);
  }

  private static DiffResult result(ComparedCall call) {
    return new DiffResult(
        call,
        CLASSIFIER.classify(call.api(), call.authoritative(), call.observations(), Recheck.NONE),
        RecheckResult.STILL_DIFFERENT,
        call.at());
  }

  private static DiffResult mismatch(String api, String requestId, Instant at) {
    return result(
        call(
                api,
                CallKind.READ,
                requestId,
                answer("{'a': 1, 'b': [1, 2]}"),
                answer("{'a': 2, 'b': [1]}"))
            .at(at)
            .build());
  }

  private void awaitStored(String api, long n) {
    await().until(() -> count(api, "stored") == n);
  }

  private long count(String api, String label) {
    return store.counts().stream()
        .filter(c -> c.api().equals(api) && c.label().equals(label))
        .mapToLong(LabeledCount::count)
        .sum();
  }

  @Test
  void recentAndById_roundTripEveryField() {
    DiffResult r = mismatch("ListMachines", "req-1", T0);

    store.onResult(r);
    awaitStored("ListMachines", 1);

    List<MismatchSample> recent = store.recent(Optional.empty(), 10);
    assertThat(recent).hasSize(1);
    MismatchSample s = recent.get(0);
    assertThat(s.api()).isEqualTo("ListMachines");
    assertThat(s.requestId()).isEqualTo("req-1");
    assertThat(s.at()).isEqualTo(T0);
    assertThat(s.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(s.mode()).isEqualTo("SHADOW");
    assertThat(s.recheck()).isEqualTo(RecheckResult.STILL_DIFFERENT);
    assertThat(s.request()).isEqualTo(TestCalls.json("{'replId': 'r-1'}"));
    assertThat(s.legacy().outcome()).isEqualTo("answer");
    assertThat(s.legacy().answer()).isEqualTo(TestCalls.json("{'a': 1, 'b': [1, 2]}"));
    assertThat(s.newSide().answer()).isEqualTo(TestCalls.json("{'a': 2, 'b': [1]}"));
    // Numbers come back as the JSON parser reads them (int nodes), so compare as text.
    assertThat(s.diffs()).hasToString(r.classification().diffs().toString());
    assertThat(s.diffs()).extracting(FieldDiff::foldedPath).containsExactly("/a", "/b/*");
    FieldDiff onlyLegacy = s.diffs().get(1);
    assertThat(onlyLegacy.path()).isEqualTo("/b/1");
    assertThat(onlyLegacy.missingInNew()).as("absent stays absent, not null").isTrue();
    assertThat(s.unifiedDiff())
        .isEqualTo(r.classification().unifiedDiff())
        .contains("-  \"a\": 1,");
    assertThat(store.byId(s.id())).contains(s);
    assertThat(store.byId(s.id() + 1_000)).isEmpty();
  }

  @Test
  void onResult_errorsAndTimeouts_storedWithTheirOutcome() {
    store.onResult(
        result(
            call("GetRepl", CallKind.READ, "e", answer("{'a': 1}"), failure("INTERNAL")).build()));
    store.onResult(
        result(
            call("GetRepl", CallKind.READ, "f", failure("NOT_FOUND"), failure("INTERNAL"))
                .build()));
    awaitStored("GetRepl", 2);

    List<MismatchSample> recent = store.recent(Optional.of("GetRepl"), 10);
    assertThat(recent)
        .extracting(MismatchSample::verdict)
        .containsExactlyInAnyOrder(Verdict.SHADOW_ERROR, Verdict.BOTH_ERROR_DIFFERENT);
    MismatchSample shadowError =
        recent.stream().filter(s -> s.verdict() == Verdict.SHADOW_ERROR).findFirst().orElseThrow();
    assertThat(shadowError.newSide().outcome()).isEqualTo("failure");
    assertThat(shadowError.newSide().answer())
        .isEqualTo(TestCalls.json("{'code': 'INTERNAL', 'message': 'INTERNAL happened'}"));
  }

  @Test
  void onResult_consistentOrNotCompared_notStored() {
    store.onResult(
        result(
            call("GetRepl", CallKind.READ, "m", answer("{'a': 1}"), answer("{'a': 1}")).build()));
    store.onResult(
        result(
            call("GetRepl", CallKind.READ, "t", answer("{'a': 1}"), new Observed.TimedOut())
                .build()));
    store.onResult(mismatch("GetRepl", "x", T0));
    awaitStored("GetRepl", 1);

    assertThat(store.recent(Optional.empty(), 10))
        .extracting(MismatchSample::requestId)
        .containsExactly("x");
  }

  @Test
  void cap_perApiPerClockHour_restCountedCapped() {
    open(DiffConfig.builder().samplesPerApiPerHour(3));

    for (int i = 0; i < 5; i++) {
      store.onResult(mismatch("GetRepl", "g-" + i, T0));
    }
    store.onResult(mismatch("ListMachines", "l-0", T0));
    awaitStored("GetRepl", 3);
    awaitStored("ListMachines", 1);
    assertThat(count("GetRepl", "capped")).isEqualTo(2);

    clock.advance(Duration.ofHours(1));
    store.onResult(mismatch("GetRepl", "g-next-hour", T0));
    awaitStored("GetRepl", 4);

    assertThat(store.recent(Optional.of("GetRepl"), 100))
        .extracting(MismatchSample::requestId)
        .containsExactlyInAnyOrder("g-0", "g-1", "g-2", "g-next-hour");
  }

  @Test
  void recent_newestFirst_filteredByApi_limited() {
    for (int i = 0; i < 5; i++) {
      store.onResult(
          mismatch(i % 2 == 0 ? "GetRepl" : "ListMachines", "r-" + i, T0.plusSeconds(i)));
    }
    awaitStored("GetRepl", 3);
    awaitStored("ListMachines", 2);

    assertThat(store.recent(Optional.empty(), 3))
        .extracting(MismatchSample::requestId)
        .containsExactly("r-4", "r-3", "r-2");
    assertThat(store.recent(Optional.of("ListMachines"), 10))
        .extracting(MismatchSample::requestId)
        .containsExactly("r-3", "r-1");
    assertThat(store.recent(Optional.of("Nope"), 10)).isEmpty();
    assertThatThrownBy(() -> store.recent(Optional.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be between 1 and 1000, got 0");
  }

  @Test
  void purgeExpired_deletesSamplesOlderThanTheRetention() {
    open(DiffConfig.builder().sampleRetention(Duration.ofDays(1)));
    store.onResult(mismatch("GetRepl", "old", T0.minus(Duration.ofDays(2))));
    store.onResult(mismatch("GetRepl", "edge", T0.minus(Duration.ofDays(1))));
    store.onResult(mismatch("GetRepl", "young", T0.minus(Duration.ofHours(1))));
    awaitStored("GetRepl", 3);

    assertThat(store.purgeExpired()).isEqualTo(1);
    assertThat(store.recent(Optional.empty(), 10))
        .extracting(MismatchSample::requestId)
        .containsExactly("young", "edge");

    clock.advance(Duration.ofDays(1));
    assertThat(store.purgeExpired()).isEqualTo(2);
    assertThat(store.recent(Optional.empty(), 10)).isEmpty();
  }

  @Test
  void retention_runsPeriodicallyOnItsOwn() {
    open(
        DiffConfig.builder()
            .sampleRetention(Duration.ofDays(1))
            .retentionInterval(Duration.ofMillis(50)));
    store.onResult(mismatch("GetRepl", "old", T0.minus(Duration.ofDays(2))));
    awaitStored("GetRepl", 1);

    await().until(() -> store.recent(Optional.empty(), 10).isEmpty());
  }

  @Test
  void close_writesWhatIsQueued_thenDropsLateSamples() {
    for (int i = 0; i < 120; i++) {
      store.onResult(mismatch("GetRepl", "c-" + i, T0));
    }

    assertThat(store.close(Duration.ofSeconds(10))).isTrue();
    store.onResult(mismatch("GetRepl", "late", T0));

    assertThat(count("GetRepl", "stored")).isEqualTo(100); // the default cap per hour
    assertThat(count("GetRepl", "capped")).isEqualTo(20);
    assertThat(count("GetRepl", "dropped")).isEqualTo(1);
    store = null;
    open(DiffConfig.builder());
    assertThat(store.recent(Optional.empty(), 1_000)).hasSize(100);
  }

  @Test
  void throughThePipeline_sampleStoredCountedAndServedAsJson() {
    try (Telemetry telemetry = Telemetry.create();
        DiffPipeline pipeline =
            DiffPipeline.builder(DiffConfig.defaults())
                .meterProvider(telemetry.meterProvider())
                .samples(store)
                .build()) {
      pipeline.offer(mismatch("GetRepl", "j", T0).call());
      pipeline.offer(TestCalls.match("GetRepl", "k"));
      awaitStored("GetRepl", 1);

      JsonNode list = pipeline.admin().mismatches(Optional.of("GetRepl"), 5).get("mismatches");
      assertThat(list).hasSize(1);
      long id = list.get(0).get("id").asLong();
      JsonNode json = pipeline.admin().mismatch(id).orElseThrow();
      assertThat(json.get("requestId").asText()).isEqualTo("j");
      assertThat(json.get("at").asText()).isEqualTo("2026-11-21T07:00:00Z");
      assertThat(json.get("recheck").asText()).isEqualTo("UNAVAILABLE");
      assertThat(json.get("new").get("answer")).isEqualTo(TestCalls.json("{'a': 2, 'b': [1]}"));
      assertThat(json.get("diffs").get(1).has("new")).as("absent side left out").isFalse();
      assertThat(json.get("diffs").get(1).get("legacy").asInt()).isEqualTo(2);
      assertThat(
              DiffMetricsTest.value(
                  telemetry.scrape(),
                  "strangler_mismatch_samples_total",
                  "api=\"GetRepl\",result=\"stored\""))
          .isEqualTo(1.0);
      assertThat(pipeline.admin().diff().get("samples").get("GetRepl").get("stored").asLong())
          .isEqualTo(1);
    }
  }
}
