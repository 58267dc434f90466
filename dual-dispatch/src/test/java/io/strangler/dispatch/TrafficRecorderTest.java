package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.flags.Mode;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traffic log: its lines, sampling, redaction, rotation, and what it does when it cannot keep
 * up.
 */
class TrafficRecorderTest {
  private static final Instant T0 = Instant.parse("2026-11-21T07:00:00.123Z");

  @TempDir Path dir;

  private static Exchange answered(
      String operation, String requestId, JsonNode request, JsonNode answer) {
    return new Exchange(
        operation,
        ApiSpec.Kind.READ,
        Mode.SHADOW,
        request,
        requestId,
        T0,
        new Outcome.Answer(answer, Duration.ofMillis(2)),
        new Outcome.Answer(answer, Duration.ofMillis(3)));
  }

  private static Exchange call(String requestId) {
    return answered(
        "Get",
        requestId,
        json("{\"key\":\"" + requestId + "\"}"),
        json("{\"key\":\"k\",\"value\":\"v\"}"));
  }

  private static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<JsonNode> lines(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : Files.readAllLines(file)) {
      out.add(json(line));
    }
    return out;
  }

  @Test
  void aLine_holdsTimeOperationRequestIdModeRequestAndTheAuthoritativeAnswerOrError()
      throws IOException {
    Path file = dir.resolve("traffic.jsonl");
    try (TrafficRecorder recorder = TrafficRecorder.start(RecordingConfig.builder(file).build())) {
      recorder.accept(
          answered("Get", "r-1", json("{\"key\":\"a\"}"), json("{\"key\":\"a\",\"value\":\"1\"}")));
      recorder.accept(
          new Exchange(
              "Create",
              ApiSpec.Kind.WRITE,
              Mode.NEW_PRIMARY,
              json("{\"key\":\"a\",\"value\":\"2\"}"),
              "r-2",
              T0.plusMillis(5),
              new Outcome.Failure("ALREADY_EXISTS", 409, "key 'a' exists", Duration.ofMillis(1)),
              new Outcome.Dropped(Outcome.DropReason.AUTHORITATIVE_FAILED)));
      recorder.accept(
          new Exchange(
              "Get",
              ApiSpec.Kind.READ,
              Mode.SHADOW,
              json("{\"key\":\"b\"}"),
              "r-3",
              T0,
              new Outcome.Dropped(Outcome.DropReason.OVERLOADED),
              Outcome.NOT_CALLED));
      await().until(() -> recorder.stats().written() + recorder.stats().notApplied() == 3);
    }

    List<JsonNode> lines = lines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .isEqualTo(
            json(
                "{\"time\":\"2026-11-21T07:00:00.123Z\",\"operation\":\"Get\",\"requestId\":\"r-1\",\"mode\":\"SHADOW\","
                    + "\"request\":{\"key\":\"a\"},\"answer\":{\"key\":\"a\",\"value\":\"1\"}}"));
    assertThat(lines.get(1))
        .isEqualTo(
            json(
                "{\"time\":\"2026-11-21T07:00:00.128Z\",\"operation\":\"Create\",\"requestId\":\"r-2\",\"mode\":\"NEW_PRIMARY\","
                    + "\"request\":{\"key\":\"a\",\"value\":\"2\"},\"error\":{\"code\":\"ALREADY_EXISTS\",\"message\":\"key"
                    + " 'a' exists\"},\"status\":409}"));
  }

  @Test
  void sampling_keepsTheRatioOfRequestIds_sameIdsEveryTime_andPerApiRatiosOverrideIt()
      throws IOException {
    RecordingConfig config =
        RecordingConfig.builder(dir.resolve("s.jsonl"))
            .sampleRatio(0.25)
            .sampleRatio("Put", 0.0)
            .sampleRatio("Create", 1.0)
            .build();
    Set<String> first = new HashSet<>();
    Set<String> second = new HashSet<>();
    try (TrafficRecorder a = TrafficRecorder.start(config)) {
      for (int i = 0; i < 4000; i++) {
        a.accept(call("req-" + i));
        a.accept(answered("Put", "put-" + i, json("{}"), json("{}")));
        a.accept(answered("Create", "create-" + i, json("{}"), json("{}")));
      }
      await().until(() -> a.stats().queueDepth() == 0 && a.stats().written() > 0);
      a.close(Duration.ofSeconds(10));
      assertThat(a.stats().written() + a.stats().sampledOut()).isEqualTo(12_000);
      lines(config.file()).forEach(l -> first.add(l.get("requestId").asText()));
    }
    Files.delete(config.file());
    try (TrafficRecorder b = TrafficRecorder.start(config)) {
      for (int i = 0; i < 4000; i++) {
        b.accept(call("req-" + i));
      }
      b.close(Duration.ofSeconds(10));
      lines(config.file()).forEach(l -> second.add(l.get("requestId").asText()));
    }

    long gets = first.stream().filter(id -> id.startsWith("req-")).count();
    assertThat(gets).isBetween(900L, 1100L);
    assertThat(first).noneMatch(id -> id.startsWith("put-"));
    assertThat(first.stream().filter(id -> id.startsWith("create-")).count()).isEqualTo(4000);
    assertThat(second)
        .isEqualTo(
            first.stream()
                .filter(id -> id.startsWith("req-"))
                .collect(java.util.stream.Collectors.toSet()));
  }

  @Test
  void redaction_replacesTheNamedFieldsInTheLine_withWildcards_andLeavesTheExchangeAlone()
      throws IOException {
    Path file = dir.resolve("r.jsonl");
    RecordingConfig config =
        RecordingConfig.builder(file)
            .redact("/request/address")
            .redact("/answer/machines/*/address")
            .redact("/answer/absent")
            .build();
    JsonNode request = json("{\"machineId\":\"m-1\",\"address\":\"10.0.0.1\"}");
    JsonNode answer =
        json(
            "{\"machines\":[{\"machineId\":\"m-1\",\"address\":\"10.0.0.1\"},{\"machineId\":\"m-2\",\"address\":\"10.0.0.2\"}]}");
    try (TrafficRecorder recorder = TrafficRecorder.start(config)) {
      recorder.accept(answered("ListMachines", "r-1", request, answer));
      recorder.close(Duration.ofSeconds(10));
    }

    JsonNode line = lines(file).get(0);
    assertThat(line.at("/request"))
        .isEqualTo(json("{\"machineId\":\"m-1\",\"address\":\"[redacted]\"}"));
    assertThat(line.at("/answer"))
        .isEqualTo(
            json(
                "{\"machines\":[{\"machineId\":\"m-1\",\"address\":\"[redacted]\"},{\"machineId\":\"m-2\",\"address\":\"[redacted]\"}]}"));
    // The diff reporter reads the same nodes: they keep their values.
    assertThat(request.get("address").asText()).isEqualTo("10.0.0.1");
    assertThat(answer.at("/machines/1/address").asText()).isEqualTo("10.0.0.2");
  }

  @Test
  void badSettings_failWhenBuilt_withMessagesSayingWhatIsWrong() {
    assertThatThrownBy(() -> RecordingConfig.builder(dir.resolve("x.jsonl")).sampleRatio(1.5))
        .hasMessageContaining("between 0 and 1, got 1.5");
    assertThatThrownBy(
            () -> RecordingConfig.builder(dir.resolve("x.jsonl")).redact("request/address"))
        .hasMessageContaining("JSON Pointer");
    assertThatThrownBy(() -> RecordingConfig.builder(dir.resolve("x.jsonl")).maxBytes(10))
        .hasMessageContaining("at least 4096");
    assertThatThrownBy(() -> RecordingConfig.builder(dir.resolve("x.jsonl")).keep(-1))
        .hasMessageContaining("0..1000");
    assertThatThrownBy(
            () ->
                TrafficRecorder.start(
                    RecordingConfig.builder(dir.resolve("no/such/dir/x.jsonl")).build()))
        .hasMessageContaining("does not exist");
  }

  @Test
  void rotation_startsANewFileBeforeTheLimit_andKeepsTheNewestN() throws IOException {
    Path file = dir.resolve("traffic.jsonl");
    RecordingConfig config = RecordingConfig.builder(file).maxBytes(4096).keep(2).build();
    int calls = 200;
    try (TrafficRecorder recorder = TrafficRecorder.start(config)) {
      for (int i = 0; i < calls; i++) {
        recorder.accept(call(String.format("req-%04d", i)));
        if (i % 16 == 15) {
          // Small batches, so the bounded queue never fills: this test is about files.
          await().until(() -> recorder.stats().queueDepth() == 0);
        }
      }
      recorder.close(Duration.ofSeconds(10));
      assertThat(recorder.stats().written()).isEqualTo(calls);
      assertThat(recorder.stats().rotations()).isGreaterThanOrEqualTo(3);
    }

    assertThat(config.rotated(1)).isEqualTo(dir.resolve("traffic.1.jsonl"));
    assertThat(Files.exists(config.rotated(1))).isTrue();
    assertThat(Files.exists(config.rotated(2))).isTrue();
    assertThat(Files.exists(config.rotated(3))).isFalse();
    List<String> kept = new ArrayList<>();
    for (Path p : List.of(config.rotated(2), config.rotated(1), file)) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(4096);
      lines(p).forEach(l -> kept.add(l.get("requestId").asText()));
    }
    // The newest lines, in order, with no gap: what was deleted is the oldest.
    assertThat(kept).isNotEmpty();
    assertThat(kept.get(kept.size() - 1)).isEqualTo(String.format("req-%04d", calls - 1));
    int firstKept = Integer.parseInt(kept.get(0).substring(4));
    assertThat(firstKept).isPositive();
    for (int i = 0; i < kept.size(); i++) {
      assertThat(kept.get(i)).isEqualTo(String.format("req-%04d", firstKept + i));
    }
  }

  /** An output whose writes wait for a latch: the writer thread stuck on a slow disk. */
  private static final class GatedOutput extends FilterOutputStream {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    GatedOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      entered.countDown();
      try {
        if (!release.await(30, TimeUnit.SECONDS)) {
          throw new IOException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      out.write(b, off, len);
    }
  }

  @Test
  void aStuckWriter_fillsTheQueue_thenCallsAreDroppedAndCounted_neverWaitedFor() throws Exception {
    Path file = dir.resolve("slow.jsonl");
    List<GatedOutput> outputs = new ArrayList<>();
    RecordingConfig config = RecordingConfig.builder(file).queueCapacity(4).build();
    FileTrafficRecorder recorder =
        new FileTrafficRecorder(
            config,
            p -> {
              GatedOutput g = new GatedOutput(FileTrafficRecorder.FILES.open(p));
              outputs.add(g);
              return g;
            });
    try {
      recorder.accept(call("req-0"));
      // The writer took req-0 and is stuck flushing it (it flushes when the queue runs dry):
      // from now on nobody drains the queue.
      assertThat(outputs.get(0).entered.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i <= 10; i++) {
        recorder.accept(call("req-" + i));
      }
      RecordingStats stuck = recorder.stats();
      assertThat(stuck.queueDepth()).isEqualTo(4);
      assertThat(stuck.droppedQueueFull()).isEqualTo(6);
      assertThat(stuck.written()).isZero();

      outputs.get(0).release.countDown();
      await().until(() -> recorder.stats().written() == 5 && recorder.stats().queueDepth() == 0);
    } finally {
      outputs.forEach(o -> o.release.countDown());
      recorder.close(Duration.ofSeconds(10));
    }
    List<String> ids = lines(file).stream().map(l -> l.get("requestId").asText()).toList();
    assertThat(ids).containsExactly("req-0", "req-1", "req-2", "req-3", "req-4");
    assertThat(recorder.stats().dropped()).isEqualTo(6);
  }

  @Test
  void aFailingDisk_countsFailedLines_andKeepsTakingCalls() throws Exception {
    Path file = dir.resolve("failing.jsonl");
    FileTrafficRecorder recorder =
        new FileTrafficRecorder(
            RecordingConfig.builder(file).build(),
            p ->
                new OutputStream() {
                  @Override
                  public void write(int b) throws IOException {
                    throw new IOException("disk full");
                  }
                });
    try {
      for (int i = 0; i < 20; i++) {
        recorder.accept(call("req-" + i));
      }
      // Every line is lost on flush, and counted: none silently.
      await().until(() -> recorder.stats().failed() == 20);
      recorder.accept(call("req-20"));
      await().until(() -> recorder.stats().failed() == 21);
    } finally {
      recorder.close(Duration.ofSeconds(10));
    }
    assertThat(recorder.stats().written()).isZero();
  }

  @Test
  void closing_writesWhatIsQueued_thenCountsLaterCallsAsDropped() throws IOException {
    Path file = dir.resolve("close.jsonl");
    TrafficRecorder recorder = TrafficRecorder.start(RecordingConfig.builder(file).build());
    for (int i = 0; i < 50; i++) {
      recorder.accept(call("req-" + i));
    }
    assertThat(recorder.close(Duration.ofSeconds(10))).isTrue();
    recorder.accept(call("late"));

    assertThat(lines(file)).hasSize(50);
    assertThat(recorder.stats().written()).isEqualTo(50);
    assertThat(recorder.stats().droppedClosed()).isEqualTo(1);
  }

  @Test
  void theAdminRoute_servesTheCounts() throws Exception {
    try (TrafficRecorder recorder =
        TrafficRecorder.start(RecordingConfig.builder(dir.resolve("a.jsonl")).build())) {
      recorder.accept(call("req-1"));
      await().until(() -> recorder.stats().written() == 1);
      AdminRoutes.Match m = recorder.routes().match("GET", "/admin/recording");
      assertThat(m).isInstanceOf(AdminRoutes.Found.class);
      AdminResponse r = ((AdminRoutes.Found) m).handler().handle(null);
      JsonNode body = json(r.bodyText());
      assertThat(body.get("enabled").asBoolean()).isTrue();
      assertThat(body.get("written").asLong()).isEqualTo(1);
      assertThat(body.has("droppedQueueFull")).isTrue();
    }
    ObjectNode disabled = (ObjectNode) Json.MAPPER.valueToTree(TrafficRecorder.disabled().stats());
    assertThat(disabled.get("enabled").asBoolean()).isFalse();
  }
}
