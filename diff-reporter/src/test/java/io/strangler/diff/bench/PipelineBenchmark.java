package io.strangler.diff.bench;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.diff.Classifier;
import io.strangler.diff.DiffRules;
import io.strangler.diff.Observed;
import io.strangler.diff.Recheck;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.CallKind;
import io.strangler.diff.report.ComparedCall;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.DiffPipeline;
import io.strangler.diff.report.Telemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast the diff pipeline compares calls, end to end: {@value #CALLS} calls offered at once
 * (three in four a GetRepl, one in four a ListMachines of 50 machines, all matching, the other
 * backend's field and list orders shuffled), then waited for until every one has been classified
 * and handed to metrics and readiness. {@code direct} classifies the same calls on one thread
 * without the pipeline: the ratio of the two is the pipeline's overhead (or, with more workers than
 * one, its parallel gain). Divide a score by {@value #CALLS} for the time per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class PipelineBenchmark {
  static final int CALLS = 20_000;

  @Param({"1", "2"})
  public int workers;

  /** With the OpenTelemetry SDK recording, or with no-op instruments. */
  @Param({"true", "false"})
  public boolean metrics;

  private List<ComparedCall> calls;
  private Classifier classifier;
  private Telemetry telemetry;
  private DiffPipeline pipeline;

  @Setup(Level.Trial)
  public void setUp() {
    Random random = new Random(42);
    ObjectNode machines = JsonMapper.builder().build().createObjectNode();
    ArrayNode list = machines.putArray("machines");
    for (int i = 0; i < 50; i++) {
      list.add(DiffBenchmark.machine(i));
    }
    calls = new ArrayList<>(CALLS);
    for (int i = 0; i < CALLS; i++) {
      boolean listing = i % 4 == 3;
      ObjectNode legacy = listing ? machines : DiffBenchmark.repl("r-" + i);
      calls.add(
          ComparedCall.builder()
              .api(listing ? "ListMachines" : "GetRepl")
              .kind(CallKind.READ)
              .mode("SHADOW")
              .authoritative(Side.LEGACY)
              .request(DiffBenchmark.repl("r-" + i))
              .requestId("req-" + i)
              .at(Instant.parse("2026-11-21T07:00:00Z"))
              .legacy(new Observed.Answer(legacy), Duration.ofMillis(1))
              .newer(
                  new Observed.Answer(DiffBenchmark.reordered(legacy, random)),
                  Duration.ofMillis(2))
              .build());
    }
    classifier = new Classifier(DiffRules.strict());
    telemetry = Telemetry.create();
    pipeline =
        DiffPipeline.builder(DiffConfig.builder().workers(workers).queueCapacity(CALLS).build())
            .meterProvider(metrics ? telemetry.meterProvider() : MeterProvider.noop())
            .modes(() -> Map.of("GetRepl", "SHADOW", "ListMachines", "SHADOW"))
            .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pipeline.close(Duration.ofSeconds(10));
    telemetry.close();
  }

  @Benchmark
  public long pipeline() {
    long target = pipeline.processed(Verdict.MATCH) + CALLS;
    for (ComparedCall call : calls) {
      if (!pipeline.offer(call)) {
        throw new IllegalStateException("the pipeline dropped a call: " + pipeline.stats());
      }
    }
    long done;
    while ((done = pipeline.processed(Verdict.MATCH)) < target) {
      // Parked, not spinning: on a small machine a spinning thread takes a core from the workers.
      LockSupport.parkNanos(50_000);
    }
    return done;
  }

  @Benchmark
  public int direct() {
    int matches = 0;
    for (ComparedCall call : calls) {
      Verdict v =
          classifier
              .classify(call.api(), call.authoritative(), call.observations(), Recheck.NONE)
              .verdict();
      matches += v == Verdict.MATCH ? 1 : 0;
    }
    if (matches != CALLS) {
      throw new IllegalStateException("benchmark data does not match: " + matches);
    }
    return matches;
  }
}
