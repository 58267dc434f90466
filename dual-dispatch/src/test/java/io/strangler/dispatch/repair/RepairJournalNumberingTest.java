package io.strangler.dispatch.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a consumer forwarding the journal elsewhere relies on: the journal's id and its entries'
 * numbers survive restarts and compactions, and one directory is one journal.
 */
class RepairJournalNumberingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Outcome OK =
      new Outcome.Answer(JSON.createObjectNode().put("ok", true), Duration.ZERO);
  private static final TouchedEntities BY_KEY =
      (op, request, answer) -> List.of("k:" + request.path("key").asText());

  @TempDir Path dir;

  private RepairJournal open() {
    // Emptied as soon as everything in it is committed.
    return new RepairJournal(
        new RepairJournal.Config(dir, 1_000, 1L << 20, 1), BY_KEY, Clock.systemUTC());
  }

  private static void record(RepairJournal journal, String key) {
    journal.accept(
        new Exchange(
            "Put",
            ApiSpec.Kind.WRITE,
            Mode.SHADOW,
            JSON.createObjectNode().put("key", key),
            "req-" + key,
            Instant.EPOCH,
            OK,
            new Outcome.TimedOut(Duration.ZERO)));
  }

  private static List<RepairJournal.Entry> next(RepairJournal journal, int n) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> journal.pending() >= n);
    return journal.next(n + 1, Duration.ZERO);
  }

  @Test
  void entriesAreNumberedOnward_acrossACompactionAndARestart_underOneId() throws Exception {
    String id;
    try (RepairJournal journal = open()) {
      id = journal.id();
      record(journal, "a");
      record(journal, "b");
      List<RepairJournal.Entry> first = next(journal, 2);
      assertThat(first).extracting(RepairJournal.Entry::seq).containsExactly(1L, 2L);
      journal.commit(first.getLast().end(), first.size());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.size(dir.resolve("repairs.jsonl")) == 0);

      record(journal, "c");
      record(journal, "d");
      assertThat(next(journal, 2)).extracting(RepairJournal.Entry::seq).containsExactly(3L, 4L);
    }
    try (RepairJournal journal = open()) {
      assertThat(journal.id()).isEqualTo(id);
      record(journal, "e");
      assertThat(next(journal, 3))
          .as("the uncommitted ones again, under their numbers, then the next")
          .extracting(e -> e.keys().getFirst() + "#" + e.seq())
          .containsExactly("k:c#3", "k:d#4", "k:e#5");
    }
  }

  @Test
  void numbersThatCannotBeContinued_startAgainUnderANewId() throws Exception {
    String id;
    try (RepairJournal journal = open()) {
      id = journal.id();
      record(journal, "a");
      List<RepairJournal.Entry> first = next(journal, 1);
      journal.commit(first.getLast().end(), first.size());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.size(dir.resolve("repairs.jsonl")) == 0);
    }
    // The offset file, which kept the last number of an emptied journal, is lost.
    Files.delete(dir.resolve("repairs.offset"));

    try (RepairJournal journal = open()) {
      record(journal, "b");
      assertThat(next(journal, 1)).extracting(RepairJournal.Entry::seq).containsExactly(1L);
      assertThat(journal.id())
          .as("number 1 again, so not under the id whose 1 was forwarded already")
          .isNotEqualTo(id);
    }
  }

  @Test
  void aSecondJournalOnOneDirectory_isRefused_sayingWhatToDo() {
    try (RepairJournal first = open()) {
      assertThatThrownBy(this::open)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("give each instance its own state directory");
      assertThat(first.id()).isNotBlank();
    }
    try (RepairJournal again = open()) {
      assertThat(again.pending()).as("free again once the first is closed").isZero();
    }
  }
}
