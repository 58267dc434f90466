package io.strangler.dispatch.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepairJournalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Outcome OK =
      new Outcome.Answer(JSON.createObjectNode().put("ok", true), Duration.ZERO);

  /** The binding's part, as a test sees it: the entity is the request's "key" field. */
  private static final TouchedEntities BY_KEY =
      (op, request, answer) -> List.of("k:" + request.path("key").asText());

  @TempDir Path dir;

  private static Exchange write(String key, Mode mode, Outcome authoritative, Outcome shadow) {
    JsonNode body = JSON.createObjectNode().put("key", key);
    return new Exchange(
        "Put", ApiSpec.Kind.WRITE, mode, body, "req-" + key, Instant.EPOCH, authoritative, shadow);
  }

  private RepairJournal open(RepairJournal.Config config) {
    return new RepairJournal(config, BY_KEY, Clock.systemUTC());
  }

  private static List<RepairJournal.Entry> drain(RepairJournal journal, int expected)
      throws InterruptedException {
    List<RepairJournal.Entry> all = new ArrayList<>();
    await().atMost(WAIT).until(() -> journal.pending() >= expected);
    all.addAll(journal.next(expected + 1, Duration.ofMillis(50)));
    return all;
  }

  @Test
  void writesWhoseShadowDidNotLand_areRecordedWithTheirEntities_andNothingElse() throws Exception {
    try (RepairJournal journal = open(RepairJournal.Config.in(dir))) {
      Outcome otherAnswer =
          new Outcome.Answer(JSON.createObjectNode().put("ok", false), Duration.ZERO);
      journal.accept(write("good", Mode.SHADOW, OK, OK));
      journal.accept(write("single", Mode.LEGACY_ONLY, OK, Outcome.NOT_CALLED));
      journal.accept(
          write(
              "refused",
              Mode.SHADOW,
              new Outcome.Failure("NOT_FOUND", 404, "no", Duration.ZERO),
              new Outcome.Dropped(Outcome.DropReason.AUTHORITATIVE_FAILED)));
      journal.accept(
          new Exchange(
              "Get",
              ApiSpec.Kind.READ,
              Mode.SHADOW,
              JSON.createObjectNode().put("key", "read"),
              "r",
              Instant.EPOCH,
              OK,
              new Outcome.TimedOut(Duration.ofMillis(1))));
      journal.accept(
          write(
              "failed",
              Mode.SHADOW,
              OK,
              new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO)));
      journal.accept(
          write("slow", Mode.NEW_PRIMARY, OK, new Outcome.TimedOut(Duration.ofMillis(200))));
      journal.accept(
          write(
              "budget",
              Mode.SHADOW,
              OK,
              new Outcome.Dropped(Outcome.DropReason.SHADOW_BUDGET_FULL)));
      journal.accept(write("differ", Mode.SHADOW, OK, otherAnswer));
      journal.accept(
          write(
              "partial",
              Mode.SHADOW,
              new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO),
              new Outcome.Dropped(Outcome.DropReason.AUTHORITATIVE_FAILED)));

      List<RepairJournal.Entry> entries = drain(journal, 5);

      assertThat(entries)
          .extracting(e -> e.keys().getFirst() + " " + e.reason() + " " + e.from())
          .containsExactly(
              "k:failed shadow_failed LEGACY",
              "k:slow shadow_timed_out NEW",
              "k:budget shadow_dropped_shadow_budget_full LEGACY",
              "k:differ answers_differ LEGACY",
              "k:partial authoritative_failed LEGACY");
      assertThat(journal.stats().recorded()).isEqualTo(5);
    }
  }

  @Test
  void entriesNotYetRepaired_surviveARestart_andACutLineIsDropped() throws Exception {
    RepairJournal.Config config = RepairJournal.Config.in(dir);
    try (RepairJournal journal = open(config)) {
      for (int i = 0; i < 3; i++) {
        journal.accept(write("e" + i, Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      }
      List<RepairJournal.Entry> entries = drain(journal, 3);
      journal.commit(entries.getFirst().end(), 1);
      assertThat(journal.pending()).isEqualTo(2);
    }
    // A crash in the middle of a line.
    Files.writeString(
        dir.resolve("repairs.jsonl"),
        "{\"at\":\"2026-",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    try (RepairJournal journal = open(config)) {
      assertThat(journal.pending()).isEqualTo(2);
      assertThat(journal.next(10, Duration.ZERO))
          .extracting(e -> e.keys().getFirst())
          .containsExactly("k:e1", "k:e2");
    }
  }

  @Test
  void writesStillQueuedAtClose_areMarkedForADriftScan() throws Exception {
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    TouchedEntities blocking =
        (op, request, answer) -> {
          if (op.equals("Stuck")) {
            stuck.countDown();
            try {
              never.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return BY_KEY.of(op, request, answer);
        };
    RepairJournal journal =
        new RepairJournal(RepairJournal.Config.in(dir), blocking, Clock.systemUTC());
    JsonNode body = JSON.createObjectNode().put("key", "s");
    journal.accept(
        new Exchange(
            "Stuck",
            ApiSpec.Kind.WRITE,
            Mode.SHADOW,
            body,
            "req-s",
            Instant.EPOCH,
            OK,
            new Outcome.TimedOut(Duration.ZERO)));
    assertThat(stuck.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 3; i++) {
      journal.accept(write("q" + i, Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
    }

    journal.close();

    assertThat(journal.stats().lostQueueFull()).isEqualTo(3);
    assertThat(journal.stats().needsScan()).contains("Put");
  }

  @Test
  void aFullJournal_marksTheApiForADriftScan_untilOneIsDone() throws Exception {
    RepairJournal.Config tiny = new RepairJournal.Config(dir, 1_000, 1024, 0);
    try (RepairJournal journal = open(tiny)) {
      for (int i = 0; i < 50; i++) {
        journal.accept(write("e" + i, Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      }
      await()
          .atMost(WAIT)
          .until(() -> journal.stats().lostFileFull() + journal.stats().recorded() == 50);
      assertThat(journal.stats().lostFileFull()).isPositive();
      assertThat(journal.stats().needsScan()).containsExactly("Put");
    }
    try (RepairJournal journal = open(tiny)) {
      assertThat(journal.stats().needsScan()).as("kept across a restart").containsExactly("Put");
      journal.scanned(Set.of("Put"));
      assertThat(journal.stats().needsScan()).isEmpty();
    }
    try (RepairJournal journal = open(tiny)) {
      assertThat(journal.stats().needsScan()).isEmpty();
    }
  }

  @Test
  void aScanClearsOnlyTheMarksSetBeforeItBegan_notAnEntryLostWhileItRan() throws Exception {
    RepairJournal.Config tiny = new RepairJournal.Config(dir, 1_000, 1024, 0);
    try (RepairJournal journal = open(tiny)) {
      for (int i = 0; i < 50; i++) {
        journal.accept(write("e" + i, Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      }
      await().atMost(WAIT).until(() -> !journal.marks().isEmpty());
      RepairJournal.Marks atScanStart = journal.marks();
      assertThat(atScanStart.operations()).containsExactly("Put");
      long lost = journal.stats().lostFileFull();

      journal.accept(write("late", Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      await().atMost(WAIT).until(() -> journal.stats().lostFileFull() > lost);
      journal.scanned(atScanStart);
      assertThat(journal.needsScan()).as("an entry was lost after the scan began").contains("Put");

      journal.scanned(journal.marks());
      assertThat(journal.needsScan()).isEmpty();
      assertThat(journal.marks().isEmpty()).isTrue();
    }
  }

  @Test
  void repairer_putsOffAnEntityWhoseShadowWritesAreQueued_repairsTheOthersMeanwhile()
      throws Exception {
    Set<String> busy = ConcurrentHashMap.newKeySet();
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    EntityRepair repair =
        (key, from) -> {
          order.add(key);
          return RepairResult.REPAIRED;
        };
    Repairer.Config fast =
        new Repairer.Config(
            64, 10_000, Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50), 2);
    AtomicBoolean go = new AtomicBoolean();
    try (RepairJournal journal = open(new RepairJournal.Config(dir, 1_000, 1L << 20, 1));
        Repairer repairer = new Repairer(journal, repair, fast, Clock.systemUTC(), go::get)) {
      // The queued writes are the shadow's: to NEW for a write made in SHADOW.
      repairer.awaitShadowWrites(
          (key, target) -> target == Mode.Backend.NEW && busy.contains(key), WAIT.multipliedBy(3));
      busy.add("k:hot");
      journal.accept(write("hot", Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      journal.accept(write("cold", Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      await().atMost(WAIT).until(() -> journal.pending() == 2);
      go.set(true); // one batch of both

      await().atMost(WAIT).until(() -> order.contains("k:cold"));
      await().atMost(WAIT).until(() -> repairer.deferrals().deferred() >= 3);
      assertThat(order)
          .as("not repaired while its shadow writes are queued")
          .doesNotContain("k:hot");
      assertThat(journal.pending()).as("the batch waits for it").isEqualTo(2);

      busy.remove("k:hot");

      await().atMost(WAIT).until(() -> journal.pending() == 0);
      assertThat(order).containsExactly("k:cold", "k:hot");
      assertThat(repairer.deferrals().repairedWhileQueued()).isZero();
    }
  }

  @Test
  void repairer_repairsAnEntityWhoseShadowWritesNeverStop_onceTheWaitsBoundHasPassed()
      throws Exception {
    List<String> repaired = java.util.Collections.synchronizedList(new ArrayList<>());
    EntityRepair repair =
        (key, from) -> {
          repaired.add(key);
          return RepairResult.REPAIRED;
        };
    Repairer.Config fast =
        new Repairer.Config(
            64, 10_000, Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50), 1);
    try (RepairJournal journal = open(new RepairJournal.Config(dir, 1_000, 1L << 20, 1));
        Repairer repairer = new Repairer(journal, repair, fast, Clock.systemUTC())) {
      repairer.awaitShadowWrites((key, target) -> true, Duration.ofMillis(300));
      long start = System.nanoTime();
      journal.accept(write("always", Mode.NEW_PRIMARY, OK, new Outcome.TimedOut(Duration.ZERO)));

      await().atMost(WAIT).until(() -> journal.pending() == 0);
      assertThat(System.nanoTime() - start)
          .as("waited for the bound")
          .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
      assertThat(repaired).containsExactly("k:always");
      assertThat(repairer.deferrals().deferred()).isPositive();
      assertThat(repairer.deferrals().repairedWhileQueued()).isEqualTo(1);
    }
  }

  @Test
  void eightConcurrentWriters_loseNoEntry() throws Exception {
    int threads = 8;
    int each = 500;
    try (RepairJournal journal = open(RepairJournal.Config.in(dir));
        ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      CountDownLatch start = new CountDownLatch(1);
      for (int t = 0; t < threads; t++) {
        int id = t;
        pool.submit(
            () -> {
              start.await();
              for (int i = 0; i < each; i++) {
                journal.accept(
                    write(
                        id + "-" + i,
                        Mode.SHADOW,
                        OK,
                        new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO)));
              }
              return null;
            });
      }
      start.countDown();
      await().atMost(WAIT).until(() -> journal.pending() == threads * each);
      Set<String> keys = ConcurrentHashMap.newKeySet();
      journal.next(threads * each, Duration.ZERO).forEach(e -> keys.addAll(e.keys()));
      assertThat(keys).hasSize(threads * each);
      assertThat(journal.stats().lostQueueFull()).isZero();
    }
  }

  @Test
  void repairer_waitsOutAStoreThatIsDown_thenRepairsEachEntityOnce_andEmptiesTheJournal()
      throws Exception {
    AtomicBoolean storeUp = new AtomicBoolean(false);
    AtomicInteger tries = new AtomicInteger();
    Set<String> repairedKeys = ConcurrentHashMap.newKeySet();
    AtomicInteger repairs = new AtomicInteger();
    EntityRepair repair =
        (key, from) -> {
          tries.incrementAndGet();
          if (!storeUp.get()) {
            return new RepairResult.Retry("store down");
          }
          repairs.incrementAndGet();
          return repairedKeys.add(key + "<-" + from)
              ? RepairResult.REPAIRED
              : RepairResult.ALREADY_EQUAL;
        };
    RepairJournal.Config config = new RepairJournal.Config(dir, 1_000, 1L << 20, 1);
    Repairer.Config fast =
        new Repairer.Config(
            64, 10_000, Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50), 1);
    try (RepairJournal journal = open(config);
        Repairer repairer = new Repairer(journal, repair, fast, Clock.systemUTC())) {
      for (int i = 0; i < 20; i++) {
        // Ten entities, each written twice.
        journal.accept(
            write(
                "e" + (i % 10),
                Mode.SHADOW,
                OK,
                new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO)));
      }
      await().atMost(WAIT).until(() -> tries.get() >= 3);
      assertThat(journal.pending()).as("nothing committed while the store is down").isEqualTo(20);

      storeUp.set(true);

      await().atMost(WAIT).until(() -> journal.pending() == 0);
      assertThat(repairedKeys).hasSize(10).allMatch(k -> k.endsWith("<-LEGACY"));
      assertThat(repairs.get()).as("each entity once per batch").isLessThanOrEqualTo(20);
      assertThat(repairer.stats().retries()).isPositive();
      await().atMost(WAIT).until(() -> Files.size(dir.resolve("repairs.jsonl")) == 0);
    }
  }

  @Test
  void pendingEntries_areCountedByOperation_untilRepaired_andAcrossARestart() throws Exception {
    RepairJournal.Config config = RepairJournal.Config.in(dir);
    Outcome down = new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO);
    try (RepairJournal journal = open(config)) {
      journal.accept(write("a", Mode.SHADOW, OK, down));
      journal.accept(
          new Exchange(
              "Move",
              ApiSpec.Kind.WRITE,
              Mode.SHADOW,
              JSON.createObjectNode().put("key", "b"),
              "m1",
              Instant.EPOCH,
              OK,
              down));
      journal.accept(write("c", Mode.SHADOW, OK, down));
      List<RepairJournal.Entry> entries = drain(journal, 3);
      assertThat(journal.stats().pendingByOperation())
          .containsExactly(java.util.Map.entry("Move", 1L), java.util.Map.entry("Put", 2L));

      journal.commit(entries.get(1).end(), 2);

      assertThat(journal.pending("Put")).isEqualTo(1);
      assertThat(journal.pending("Move")).isZero();
      assertThat(journal.stats().pendingByOperation())
          .containsExactly(java.util.Map.entry("Put", 1L));
    }
    try (RepairJournal journal = open(config)) {
      assertThat(journal.pending("Put")).as("counted again from the file").isEqualTo(1);
      assertThat(journal.pending("Move")).isZero();
    }
  }

  @Test
  void aPostponedBatch_doesNotRepairAgainTheEntitiesAlreadyRepaired() throws Exception {
    AtomicBoolean e5Up = new AtomicBoolean(false);
    java.util.Map<String, AtomicInteger> repairs = new ConcurrentHashMap<>();
    EntityRepair repair =
        (key, from) -> {
          if (key.equals("k:e5") && !e5Up.get()) {
            return new RepairResult.Retry("its store is down");
          }
          repairs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          return RepairResult.REPAIRED;
        };
    Repairer.Config oneAtATime =
        new Repairer.Config(
            64, 10_000, Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50), 1);
    try (RepairJournal journal = open(RepairJournal.Config.in(dir));
        Repairer repairer = new Repairer(journal, repair, oneAtATime, Clock.systemUTC())) {
      for (int i = 0; i < 10; i++) {
        journal.accept(write("e" + i, Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      }
      await().atMost(WAIT).until(() -> repairer.stats().retries() >= 3);
      e5Up.set(true);
      await().atMost(WAIT).until(() -> journal.pending() == 0);

      assertThat(repairs).hasSize(10);
      assertThat(repairs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }
  }

  @Test
  void severalThreads_repairTheEntitiesOfABatchAtOnce_eachOnce() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    java.util.Map<String, AtomicInteger> repairs = new ConcurrentHashMap<>();
    CountDownLatch twoAtOnce = new CountDownLatch(2);
    EntityRepair repair =
        (key, from) -> {
          most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          twoAtOnce.countDown();
          try {
            // Holds each repair until a second one runs (bounded): they overlap if they can.
            twoAtOnce.await(2, java.util.concurrent.TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          repairs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          inFlight.decrementAndGet();
          return RepairResult.REPAIRED;
        };
    Repairer.Config four =
        new Repairer.Config(
            256, 10_000, Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50), 4);
    try (RepairJournal journal = open(RepairJournal.Config.in(dir))) {
      for (int i = 0; i < 100; i++) {
        journal.accept(write("e" + (i % 50), Mode.SHADOW, OK, new Outcome.TimedOut(Duration.ZERO)));
      }
      // All written before the repairer starts: its first batch holds them all.
      await().atMost(WAIT).until(() -> journal.pending() == 100);
      try (Repairer repairer = new Repairer(journal, repair, four, Clock.systemUTC())) {
        await().atMost(WAIT).until(() -> journal.pending() == 0);

        assertThat(most.get()).isBetween(2, 4);
        assertThat(repairs).hasSize(50);
        assertThat(repairs.values())
            .as("each entity once")
            .allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(repairer.stats().repaired()).isEqualTo(50);
      }
    }
  }

  @Test
  void touchedEntities_fromTheRegistry_areTheOrderingKeysOfRequestAndAnswer() {
    ApiSpec.ShadowDerivation byAnswer =
        new ApiSpec.ShadowDerivation() {
          @Override
          public java.util.Collection<String> orderingKeys(
              io.strangler.dispatch.Prepared p, JsonNode answer) {
            return answer.has("owner")
                ? List.of("owner:" + answer.get("owner").asText())
                : List.of();
          }
        };
    io.strangler.dispatch.ApiRegistry apis =
        io.strangler.dispatch.ApiRegistry.builder()
            .add(
                ApiSpec.of(
                    "Put",
                    ApiSpec.Kind.WRITE,
                    body ->
                        io.strangler.dispatch.Prepared.of(
                            body, "r", "k:" + body.path("key").asText()),
                    byAnswer))
            .build();
    TouchedEntities touched = TouchedEntities.orderingKeys(apis);
    JsonNode request = JSON.createObjectNode().put("key", "x");

    assertThat(touched.of("Put", request, JSON.createObjectNode().put("owner", "o")))
        .containsExactly("k:x", "owner:o");
    assertThat(touched.of("Put", request, null))
        .as("no answer: what the request names")
        .containsExactly("k:x");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> touched.of("Gone", request, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
