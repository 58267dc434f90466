package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.answer;
import static io.strangler.diff.report.TestCalls.call;
import static io.strangler.diff.report.TestCalls.failure;
import static io.strangler.diff.report.TestCalls.match;
import static io.strangler.diff.report.TestCalls.mismatch;
import static io.strangler.diff.report.TestCalls.read;
import static io.strangler.diff.report.TestCalls.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.common.Sampling;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DiffPipelineTest {
  private final List<DiffResult> results = new CopyOnWriteArrayList<>();
  private DiffPipeline pipeline;

  @AfterEach
  void close() {
    if (pipeline != null) {
      pipeline.close(Duration.ofSeconds(5));
    }
  }

  private DiffPipeline start(DiffConfig config, Rereader rereader, DiffListener... more) {
    DiffPipeline.Builder b = DiffPipeline.builder(config).rereader(rereader).listener(results::add);
    for (DiffListener l : more) {
      b.listener(l);
    }
    pipeline = b.build();
    return pipeline;
  }

  private DiffResult resultOf(String requestId) {
    await().until(() -> results.stream().anyMatch(r -> r.call().requestId().equals(requestId)));
    return results.stream()
        .filter(r -> r.call().requestId().equals(requestId))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void offer_mixedCalls_eachClassifiedAndCountedByVerdict() {
    start(DiffConfig.defaults(), Rereader.NONE);

    pipeline.offer(match("GetRepl", "m-1"));
    pipeline.offer(match("GetRepl", "m-2"));
    pipeline.offer(write("CreateRepl", "w-1", "{'replId': 'r-1'}", "{'replId': 'r-2'}"));
    pipeline.offer(
        call("GetRepl", CallKind.READ, "e-1", failure("NOT_FOUND"), failure("NOT_FOUND")).build());
    pipeline.offer(
        call("GetRepl", CallKind.READ, "e-2", answer("{'a': 1}"), failure("INTERNAL")).build());
    pipeline.offer(
        call("GetRepl", CallKind.READ, "t-1", answer("{'a': 1}"), new Observed.TimedOut()).build());
    pipeline.offer(
        call("GetRepl", CallKind.READ, "d-1", answer("{'a': 1}"), new Observed.Dropped())
            .shadowDropReason("SHADOW_BUDGET_FULL")
            .build());

    await().until(() -> results.size() == 7);
    assertThat(pipeline.processed(Verdict.MATCH)).isEqualTo(2);
    assertThat(pipeline.processed(Verdict.MISMATCH)).isEqualTo(1);
    assertThat(pipeline.processed(Verdict.BOTH_ERROR_SAME)).isEqualTo(1);
    assertThat(pipeline.processed(Verdict.SHADOW_ERROR)).isEqualTo(1);
    assertThat(pipeline.processed(Verdict.SHADOW_TIMEOUT)).isEqualTo(1);
    assertThat(pipeline.processed(Verdict.SHADOW_DROPPED)).isEqualTo(1);
    DiffResult w = resultOf("w-1");
    assertThat(w.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(w.recheck()).as("a write is never read again").isEqualTo(RecheckResult.NONE);
    assertThat(w.classification().diffs()).extracting(d -> d.path()).containsExactly("/replId");
    DiffStats stats = pipeline.stats();
    assertThat(stats.processed()).containsEntry("match", 2L).containsEntry("shadow_dropped", 1L);
    assertThat(stats.dropped()).isEmpty();
  }

  @Test
  void offer_queueFull_dropsAndCountsWithoutBlocking() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DiffListener blockFirst =
        r -> {
          if (r.call().requestId().equals("block")) {
            entered.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    start(DiffConfig.builder().workers(1).queueCapacity(2).build(), Rereader.NONE, blockFirst);

    assertThat(pipeline.offer(match("GetRepl", "block"))).isTrue();
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pipeline.offer(match("GetRepl", "q-1"))).isTrue();
    assertThat(pipeline.offer(match("GetRepl", "q-2"))).isTrue();
    assertThat(pipeline.stats().queueDepth()).isEqualTo(2);
    assertThat(pipeline.offer(match("GetRepl", "over-1"))).isFalse();
    assertThat(pipeline.offer(match("ListMachines", "over-2"))).isFalse();

    DiffStats full = pipeline.stats();
    assertThat(full.dropped()).containsExactly(Map.entry("queue_full", 2L));
    assertThat(full.droppedByApi())
        .containsEntry("GetRepl", Map.of("queue_full", 1L))
        .containsEntry("ListMachines", Map.of("queue_full", 1L));
    release.countDown();
    await().until(() -> pipeline.processed(Verdict.MATCH) == 3);
    assertThat(results)
        .extracting(r -> r.call().requestId())
        .containsExactly("block", "q-1", "q-2");
  }

  @Test
  void offer_samplingPerApi_keepsExactlyTheIdsTheRatioSelects() {
    DiffConfig config =
        DiffConfig.builder()
            .sampling(0.0)
            .sampling("GetRepl", 0.3)
            .sampling("ListMachines", 1.0)
            .build();
    start(config, Rereader.NONE);

    int kept = 0;
    for (int i = 0; i < 1_000; i++) {
      String id = "req-" + i;
      boolean offered = pipeline.offer(match("GetRepl", id));
      assertThat(offered).as(id).isEqualTo(Sampling.keeps(id, 0.3));
      kept += offered ? 1 : 0;
      assertThat(pipeline.offer(match("ListMachines", id))).isTrue();
      assertThat(pipeline.offer(match("ResolveCluster", id))).isFalse();
    }

    // The shared function's pinned selection (common's SamplingTest): 312 of req-0..req-999.
    assertThat(kept).isEqualTo(312);
    int expected = kept + 1_000;
    await().until(() -> pipeline.processed(Verdict.MATCH) == expected);
    assertThat(pipeline.stats().sampledOut())
        .containsEntry("GetRepl", 1_000L - kept)
        .containsEntry("ResolveCluster", 1_000L)
        .doesNotContainKey("ListMachines");
  }

  @Test
  void admits_decidesAsOfferDoes_countingEachCallLeftOutOnce() {
    DiffConfig config =
        DiffConfig.builder()
            .apis(List.of("GetRepl", "ListMachines"))
            .sampling(1.0)
            .sampling("GetRepl", 0.3)
            .build();
    start(config, Rereader.NONE);

    int kept = 0;
    for (int i = 0; i < 1_000; i++) {
      String id = "req-" + i;
      boolean admitted = pipeline.admits("GetRepl", id);
      assertThat(admitted).as(id).isEqualTo(Sampling.keeps(id, 0.3));
      if (admitted) {
        // As the proxy's sink does: offered only once admitted, and not counted again.
        assertThat(pipeline.offer(match("GetRepl", id))).isTrue();
        kept++;
      }
      assertThat(pipeline.admits("ResolveCluster", id)).isFalse();
    }

    assertThat(kept).isEqualTo(312);
    await().until(() -> pipeline.processed(Verdict.MATCH) == 312);
    assertThat(pipeline.stats().sampledOut()).containsExactly(Map.entry("GetRepl", 688L));
    assertThat(pipeline.stats().dropped()).containsExactly(Map.entry("unknown_api", 1_000L));
  }

  @Test
  void mismatchingRead_secondReadAgrees_isRaceAfterTheDelay() {
    AtomicInteger rereads = new AtomicInteger();
    Rereader agreeing =
        (api, request) -> {
          rereads.incrementAndGet();
          return Optional.of(
              new Observations(answer("{'cluster': 'us-2'}"), answer("{'cluster': 'us-2'}")));
        };
    start(DiffConfig.builder().recheckDelay(Duration.ofMillis(20)).build(), agreeing);

    pipeline.offer(mismatch("GetRepl", "r-1"));

    DiffResult r = resultOf("r-1");
    assertThat(r.verdict()).isEqualTo(Verdict.RACE);
    assertThat(r.recheck()).isEqualTo(RecheckResult.AGREED);
    assertThat(r.classification().diffs())
        .as("the first read's differences show what raced")
        .extracting(d -> d.path())
        .containsExactly("/cluster");
    assertThat(rereads).hasValue(1);
    assertThat(pipeline.processed(Verdict.MISMATCH)).isZero();
    assertThat(pipeline.stats().rechecks()).containsExactly(Map.entry("agreed", 1L));
  }

  @Test
  void mismatchingRead_secondReadStillDiffersOrFails_isMismatch() {
    Map<String, Optional<Observations>> answers = new ConcurrentHashMap<>();
    answers.put(
        "differs",
        Optional.of(
            new Observations(answer("{'cluster': 'us-1'}"), answer("{'cluster': 'us-2'}"))));
    answers.put(
        "fails",
        Optional.of(new Observations(answer("{'cluster': 'us-1'}"), failure("UNAVAILABLE"))));
    answers.put("empty", Optional.empty());
    Rereader rereader = (api, request) -> answers.get(request.get("case").asText());
    start(DiffConfig.builder().recheckDelay(Duration.ZERO).build(), rereader);

    for (String c : List.of("differs", "fails", "empty")) {
      pipeline.offer(
          call(
                  "GetRepl",
                  CallKind.READ,
                  c,
                  answer("{'cluster': 'us-1'}"),
                  answer("{'cluster': 'us-2'}"))
              .request(TestCalls.json("{'case': '" + c + "'}"))
              .build());
    }

    assertThat(resultOf("differs").recheck()).isEqualTo(RecheckResult.STILL_DIFFERENT);
    assertThat(resultOf("fails").recheck()).isEqualTo(RecheckResult.STILL_DIFFERENT);
    assertThat(resultOf("empty").recheck()).isEqualTo(RecheckResult.UNAVAILABLE);
    assertThat(results).extracting(DiffResult::verdict).containsOnly(Verdict.MISMATCH);
  }

  @Test
  void mismatchingRead_agreesOnlyOnTheThirdRead_isRaceAfterGrowingDelays() {
    AtomicInteger rereads = new AtomicInteger();
    List<Long> at = new java.util.concurrent.CopyOnWriteArrayList<>();
    Rereader settlesLate =
        (api, request) -> {
          at.add(System.nanoTime());
          String newer =
              rereads.incrementAndGet() < 3 ? "{'cluster': 'us-1'}" : "{'cluster': 'us-2'}";
          return Optional.of(new Observations(answer("{'cluster': 'us-2'}"), answer(newer)));
        };
    start(
        DiffConfig.builder().recheckDelay(Duration.ofMillis(20)).recheckAttempts(4).build(),
        settlesLate);

    pipeline.offer(mismatch("GetRepl", "r-1"));

    DiffResult r = resultOf("r-1");
    assertThat(r.verdict()).isEqualTo(Verdict.RACE);
    assertThat(rereads).hasValue(3);
    // 20 ms, then 40 ms, then 80 ms after the previous read.
    assertThat(at.get(2) - at.get(1)).isGreaterThanOrEqualTo(Duration.ofMillis(75).toNanos());
    assertThat(pipeline.stats().rechecks()).containsExactly(Map.entry("agreed", 1L));
    assertThat(pipeline.stats().pendingRechecks()).isZero();
  }

  @Test
  void mismatchingRead_neverAgrees_mismatchAfterEveryAttempt() {
    AtomicInteger rereads = new AtomicInteger();
    Rereader differs =
        (api, request) -> {
          rereads.incrementAndGet();
          return Optional.of(
              new Observations(answer("{'cluster': 'us-1'}"), answer("{'cluster': 'us-2'}")));
        };
    start(DiffConfig.builder().recheckDelay(Duration.ZERO).recheckAttempts(3).build(), differs);

    pipeline.offer(mismatch("GetRepl", "r-1"));

    assertThat(resultOf("r-1").verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(resultOf("r-1").recheck()).isEqualTo(RecheckResult.STILL_DIFFERENT);
    assertThat(rereads).hasValue(3);
    assertThat(pipeline.stats().pendingRechecks()).isZero();
  }

  @Test
  void mismatchingWrite_readBackWhereTheBindingHasOne_raceOnlyWhenTheReadBackAgrees() {
    List<JsonNode> answersSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Rereader readsBackHeartbeats =
        new Rereader() {
          @Override
          public Optional<Observations> reread(String api, JsonNode request) {
            throw new AssertionError("a write is read back with its answer");
          }

          @Override
          public Optional<Observations> reread(String api, JsonNode request, JsonNode answer) {
            answersSeen.add(answer);
            String newer =
                request.get("case").asText().equals("settled")
                    ? "{'running': 2}"
                    : "{'running': 1}";
            return Optional.of(new Observations(answer("{'running': 2}"), answer(newer)));
          }

          @Override
          public boolean rereads(String api, CallKind kind) {
            return kind == CallKind.READ || api.equals("Heartbeat");
          }
        };
    start(
        DiffConfig.builder().recheckDelay(Duration.ZERO).recheckAttempts(2).build(),
        readsBackHeartbeats);

    for (String c : List.of("settled", "drifted")) {
      pipeline.offer(
          call("Heartbeat", CallKind.WRITE, c, answer("{'running': 2}"), answer("{'running': 1}"))
              .request(TestCalls.json("{'case': '" + c + "'}"))
              .build());
    }
    pipeline.offer(
        call("StopContainer", CallKind.WRITE, "other", answer("{'a': 1}"), answer("{'a': 2}"))
            .build());

    assertThat(resultOf("settled").verdict()).isEqualTo(Verdict.RACE);
    assertThat(resultOf("drifted").verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(resultOf("other").verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(resultOf("other").recheck()).isEqualTo(RecheckResult.NONE);
    assertThat(answersSeen).contains(TestCalls.json("{'running': 2}"));
  }

  @Test
  void rereaderThrows_mismatchCountedUnavailable() {
    Rereader broken =
        (api, request) -> {
          throw new IllegalStateException("backend gone");
        };
    start(DiffConfig.builder().recheckDelay(Duration.ZERO).build(), broken);

    pipeline.offer(mismatch("GetRepl", "x"));

    DiffResult r = resultOf("x");
    assertThat(r.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(r.recheck()).isEqualTo(RecheckResult.UNAVAILABLE);
    assertThat(pipeline.stats().pendingRechecks()).isZero();
  }

  @Test
  void recheckDelay_isScheduled_workerGoesOnComparing() {
    start(
        DiffConfig.builder().workers(1).recheckDelay(Duration.ofSeconds(30)).build(),
        (api, request) -> Optional.empty());

    pipeline.offer(mismatch("GetRepl", "slow"));
    pipeline.offer(match("GetRepl", "next"));

    assertThat(resultOf("next").verdict()).isEqualTo(Verdict.MATCH);
    assertThat(pipeline.stats().pendingRechecks()).isEqualTo(1);
    assertThat(results).extracting(r -> r.call().requestId()).doesNotContain("slow");

    assertThat(pipeline.close(Duration.ofMillis(100))).as("a second read was still due").isFalse();
    assertThat(pipeline.stats().droppedByApi()).containsEntry("GetRepl", Map.of("closed", 1L));
  }

  @Test
  void recheckBudgetFull_mismatchWithoutSecondRead() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger rereads = new AtomicInteger();
    Rereader blocking =
        (api, request) -> {
          rereads.incrementAndGet();
          entered.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Optional.of(
              new Observations(answer("{'cluster': 'us-2'}"), answer("{'cluster': 'us-2'}")));
        };
    start(DiffConfig.builder().maxPendingRechecks(1).recheckDelay(Duration.ZERO).build(), blocking);

    pipeline.offer(mismatch("GetRepl", "first"));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    pipeline.offer(mismatch("GetRepl", "second"));

    DiffResult second = resultOf("second");
    assertThat(second.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(second.recheck()).isEqualTo(RecheckResult.BUDGET_FULL);
    assertThat(pipeline.stats().pendingRechecks()).isEqualTo(1);
    release.countDown();
    assertThat(resultOf("first").verdict()).isEqualTo(Verdict.RACE);
    assertThat(rereads).hasValue(1);
    await().until(() -> pipeline.stats().pendingRechecks() == 0);
    assertThat(pipeline.stats().rechecks())
        .containsEntry("budget_full", 1L)
        .containsEntry("agreed", 1L);
  }

  @Test
  void listenerThrows_countedAndOtherListenersStillCalled() {
    DiffListener broken =
        r -> {
          throw new IllegalStateException("boom");
        };
    List<DiffResult> after = new CopyOnWriteArrayList<>();
    start(DiffConfig.defaults(), Rereader.NONE, broken, after::add);

    pipeline.offer(match("GetRepl", "a"));

    await().until(() -> after.size() == 1);
    assertThat(pipeline.stats().listenerFailures()).isEqualTo(1);
  }

  @Test
  void close_drainsQueuedCallsThenRefusesNewOnes() {
    start(DiffConfig.builder().workers(1).build(), Rereader.NONE);
    for (int i = 0; i < 100; i++) {
      pipeline.offer(match("GetRepl", "c-" + i));
    }

    assertThat(pipeline.close(Duration.ofSeconds(10))).isTrue();

    assertThat(pipeline.processed(Verdict.MATCH)).isEqualTo(100);
    assertThat(pipeline.offer(match("GetRepl", "late"))).isFalse();
    assertThat(pipeline.stats().dropped()).containsExactly(Map.entry("closed", 1L));
  }

  @Test
  void close_runsPendingSecondReadsBeforeReturning() {
    start(
        DiffConfig.builder().recheckDelay(Duration.ofMillis(200)).build(),
        (api, request) ->
            Optional.of(
                new Observations(answer("{'cluster': 'us-2'}"), answer("{'cluster': 'us-2'}"))));
    pipeline.offer(mismatch("GetRepl", "pending"));
    await().until(() -> pipeline.stats().pendingRechecks() == 1);

    assertThat(pipeline.close(Duration.ofSeconds(10))).isTrue();

    assertThat(results).extracting(DiffResult::verdict).containsExactly(Verdict.RACE);
  }

  @Test
  void comparedCall_authoritativeDropped_rejectedWithTheReason() {
    assertThatThrownBy(
            () -> call("GetRepl", CallKind.READ, "x", new Observed.Dropped(), answer("{}")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("authoritative side (LEGACY) of GetRepl call x cannot be Dropped");
    assertThatThrownBy(() -> call("GetRepl", CallKind.READ, "x", answer("{}"), null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("newSide");
  }

  @Test
  void newPrimary_newSideAuthoritative_legacyErrorIsShadowError() {
    start(DiffConfig.defaults(), Rereader.NONE);

    pipeline.offer(
        call("GetRepl", CallKind.READ, "np", failure("INTERNAL"), answer("{'a': 1}"))
            .mode("NEW_PRIMARY")
            .authoritative(Side.NEW)
            .build());

    assertThat(resultOf("np").verdict()).isEqualTo(Verdict.SHADOW_ERROR);
  }

  @Test
  void read_withoutRereader_mismatchAtOnce() {
    start(DiffConfig.defaults(), Rereader.NONE);

    pipeline.offer(read("GetRepl", "n", "{'a': 1}", "{'a': 2}"));

    DiffResult r = resultOf("n");
    assertThat(r.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(r.recheck()).isEqualTo(RecheckResult.UNAVAILABLE);
    assertThat(pipeline.stats().pendingRechecks()).isZero();
  }

  @Test
  void offer_apiTheConfigDoesNotName_droppedUnderOther() {
    start(DiffConfig.builder().apis(TestCalls.TWELVE_APIS).build(), Rereader.NONE);

    assertThat(pipeline.offer(match("GetReplz", "x"))).isFalse();
    assertThat(pipeline.offer(match("GetRepl", "y"))).isTrue();

    assertThat(pipeline.stats().droppedByApi())
        .containsExactly(Map.entry("other", Map.of("unknown_api", 1L)));
    assertThat(resultOf("y").verdict()).isEqualTo(Verdict.MATCH);
  }

  @Test
  void close_twice_secondReturnsTheFirstOutcome() {
    start(DiffConfig.defaults(), Rereader.NONE);

    assertThat(pipeline.close(Duration.ofSeconds(5))).isTrue();
    assertThat(pipeline.close(Duration.ofSeconds(5))).isTrue();
  }
}
