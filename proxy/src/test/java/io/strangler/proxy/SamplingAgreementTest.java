package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.DiffPipeline;
import io.strangler.diff.report.Rereader;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.RecordingConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.Mode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traffic log and the diff reporter sample by request id; at the same ratio they must keep
 * exactly the same calls, or a recorded call could not be looked up among the compared ones (and
 * the other way round). Checked through each one's own entry point, fed as the proxy's sink feeds
 * them: the recorder takes the exchange, the pipeline the call {@link DiffWiring#sink} makes of it
 * (once the pipeline's sampling has kept it).
 */
class SamplingAgreementTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int CALLS_PER_RATIO = 20_000;
  private static final Map<String, Double> RATIOS = new LinkedHashMap<>();

  static {
    RATIOS.put("OpOnePercent", 0.01);
    RATIOS.put("OpTenPercent", 0.1);
    RATIOS.put("OpQuarter", 0.25);
    RATIOS.put("OpHalf", 0.5);
    RATIOS.put("OpMost", 0.9);
  }

  @TempDir Path dir;

  @Test
  void recorderAndDiffPipeline_sameRatio_keepExactlyTheSameCalls() throws IOException {
    RecordingConfig.Builder recording =
        RecordingConfig.builder(dir.resolve("traffic.jsonl"))
            .sampleRatio(0.0)
            .queueCapacity(RATIOS.size() * CALLS_PER_RATIO);
    DiffConfig.Builder diff =
        DiffConfig.builder().sampling(0.0).queueCapacity(RATIOS.size() * CALLS_PER_RATIO);
    RATIOS.forEach(
        (op, ratio) -> {
          recording.sampleRatio(op, ratio);
          diff.sampling(op, ratio);
        });
    Map<String, Set<String>> compared = new ConcurrentHashMap<>();
    List<Exchange> exchanges = exchanges();

    try (TrafficRecorder recorder = TrafficRecorder.start(recording.build());
        DiffPipeline pipeline =
            DiffPipeline.builder(diff.build())
                .rereader(Rereader.NONE)
                .listener(
                    r ->
                        compared
                            .computeIfAbsent(r.api(), a -> ConcurrentHashMap.newKeySet())
                            .add(r.call().requestId()))
                .build()) {
      OutcomeSink diffSink = DiffWiring.sink(pipeline);
      for (Exchange e : exchanges) {
        recorder.accept(e);
        diffSink.accept(e);
      }
      await()
          .atMost(WAIT)
          .until(
              () ->
                  compared.values().stream().mapToInt(Set::size).sum()
                          + pipeline.stats().sampledOut().values().stream()
                              .mapToLong(Long::longValue)
                              .sum()
                      == exchanges.size());
      assertThat(recorder.close(WAIT)).isTrue();
      assertThat(recorder.stats().written() + recorder.stats().sampledOut())
          .isEqualTo(exchanges.size());
      assertThat(pipeline.stats().dropped().values()).allMatch(n -> n == 0);

      Map<String, Set<String>> recorded = recorded(dir.resolve("traffic.jsonl"));
      RATIOS.forEach(
          (op, ratio) -> {
            Set<String> inLog = recorded.getOrDefault(op, Set.of());
            Set<String> inDiff = compared.getOrDefault(op, Set.of());
            assertThat(inLog).as("%s at %s: the same calls", op, ratio).isEqualTo(inDiff);
            double kept = (double) inLog.size() / CALLS_PER_RATIO;
            // Four standard deviations of a binomial sample: the ids are fixed, so this is exact.
            double tolerance = 4 * Math.sqrt(ratio * (1 - ratio) / CALLS_PER_RATIO);
            assertThat(kept).as("%s: the kept fraction", op).isCloseTo(ratio, within(tolerance));
          });
    }
  }

  /** Answered calls in SHADOW with both backends agreeing, with ids of several shapes. */
  private static List<Exchange> exchanges() {
    Random random = new Random(9);
    JsonNode answer = JsonNodeFactory.instance.objectNode().put("ok", true);
    List<Exchange> out = new ArrayList<>();
    for (String op : RATIOS.keySet()) {
      for (int i = 0; i < CALLS_PER_RATIO; i++) {
        String id =
            switch (i % 3) {
              case 0 -> "req-" + i;
              case 1 -> new UUID(random.nextLong(), random.nextLong()).toString();
              default -> op + "-" + Long.toHexString(random.nextLong());
            };
        out.add(
            new Exchange(
                op,
                ApiSpec.Kind.READ,
                Mode.SHADOW,
                JsonNodeFactory.instance.objectNode().put("key", i),
                id,
                Instant.EPOCH,
                new Outcome.Answer(answer, Duration.ofMillis(1)),
                new Outcome.Answer(answer, Duration.ofMillis(1))));
      }
    }
    return out;
  }

  private static Map<String, Set<String>> recorded(Path file) throws IOException {
    Map<String, Set<String>> out = new ConcurrentHashMap<>();
    try (var lines = Files.lines(file)) {
      lines.forEach(
          line -> {
            try {
              JsonNode node = JSON.readTree(line);
              out.computeIfAbsent(node.get("operation").asText(), op -> new HashSet<>())
                  .add(node.get("requestId").asText());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    return out;
  }
}
