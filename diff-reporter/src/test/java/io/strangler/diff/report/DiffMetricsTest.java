package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.answer;
import static io.strangler.diff.report.TestCalls.call;
import static io.strangler.diff.report.TestCalls.match;
import static io.strangler.diff.report.TestCalls.mismatch;
import static io.strangler.diff.report.TestCalls.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DiffMetricsTest {
  private final Telemetry telemetry = Telemetry.create();
  private DiffPipeline pipeline;

  @AfterEach
  void close() {
    if (pipeline != null) {
      pipeline.close(Duration.ofSeconds(5));
    }
    telemetry.close();
  }

  /** The value of the series {@code name{labels}} in {@code scrape}, or null if absent. */
  static Double value(String scrape, String name, String labels) {
    String prefix = labels.isEmpty() ? name + " " : name + "{" + labels + "} ";
    return scrape
        .lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElse(null);
  }

  private void awaitResults(long n) {
    await()
        .until(
            () ->
                pipeline.stats().processed().values().stream().mapToLong(Long::longValue).sum()
                    == n);
  }

  @Test
  void scrape_afterCalls_hasEverySeriesOfTheDoc() {
    AtomicReference<Map<String, String>> modes =
        new AtomicReference<>(Map.of("GetRepl", "SHADOW", "ListMachines", "NEW_PRIMARY"));
    pipeline =
        DiffPipeline.builder(DiffConfig.builder().sampling("ResolveCluster", 0.0).build())
            .meterProvider(telemetry.meterProvider())
            .modes(modes::get)
            .rereader(
                (api, request) ->
                    Optional.of(new Observations(answer("{'a': 2}"), answer("{'a': 2}"))))
            .build();

    pipeline.offer(match("GetRepl", "1"));
    pipeline.offer(match("GetRepl", "2"));
    pipeline.offer(read("GetRepl", "3", "{'a': 1}", "{'a': 2}")); // RACE
    pipeline.offer(
        TestCalls.write(
            "ListMachines",
            "4",
            "{'machines': [{'machineId': 'm-1', 'address': '10.0.0.1'}]}",
            "{'machines': [{'machineId': 'm-1', 'address': '10.0.0.9'}]}"));
    pipeline.offer(
        call("GetRepl", CallKind.READ, "5", answer("{}"), new Observed.Dropped())
            .shadowDropReason("SHADOW_BUDGET_FULL")
            .build());
    pipeline.offer(match("ResolveCluster", "6"));
    awaitResults(5);
    String scrape = telemetry.scrape();

    assertThat(
            value(
                scrape,
                "strangler_diff_calls_total",
                "api=\"GetRepl\",mode=\"SHADOW\",outcome=\"match\""))
        .isEqualTo(2.0);
    assertThat(
            value(
                scrape,
                "strangler_diff_calls_total",
                "api=\"GetRepl\",mode=\"SHADOW\",outcome=\"race\""))
        .isEqualTo(1.0);
    assertThat(
            value(
                scrape,
                "strangler_diff_calls_total",
                "api=\"ListMachines\",mode=\"SHADOW\",outcome=\"mismatch\""))
        .isEqualTo(1.0);
    assertThat(
            value(
                scrape,
                "strangler_diff_mismatches_total",
                "api=\"ListMachines\",path=\"/machines/*/address\""))
        .isEqualTo(1.0);
    assertThat(scrape)
        .as("a RACE is not a mismatch")
        .doesNotContain("strangler_diff_mismatches_total{api=\"GetRepl\"");
    assertThat(
            value(
                scrape,
                "strangler_shadow_dropped_total",
                "api=\"GetRepl\",reason=\"shadow_budget_full\""))
        .isEqualTo(1.0);
    assertThat(
            value(
                scrape,
                "strangler_backend_latency_seconds_count",
                "api=\"GetRepl\",backend=\"legacy\""))
        .isEqualTo(4.0);
    assertThat(
            value(
                scrape,
                "strangler_backend_latency_seconds_count",
                "api=\"GetRepl\",backend=\"new\""))
        .as("a dropped shadow has no latency")
        .isEqualTo(3.0);
    assertThat(
            value(
                scrape,
                "strangler_backend_latency_seconds_bucket",
                "api=\"GetRepl\",backend=\"new\",le=\"0.005\""))
        .isEqualTo(3.0);
    assertThat(
            value(
                scrape, "strangler_backend_latency_seconds_sum", "api=\"GetRepl\",backend=\"new\""))
        .isCloseTo(0.009, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(value(scrape, "strangler_diff_rechecks_total", "api=\"GetRepl\",result=\"agreed\""))
        .isEqualTo(1.0);
    assertThat(value(scrape, "strangler_diff_sampled_out_total", "api=\"ResolveCluster\""))
        .isEqualTo(1.0);
    assertThat(value(scrape, "strangler_diff_queue_depth", "")).isEqualTo(0.0);
    assertThat(value(scrape, "strangler_diff_queue_capacity", "")).isEqualTo(10_000.0);
    assertThat(value(scrape, "strangler_diff_rechecks_pending", "")).isEqualTo(0.0);
    assertThat(value(scrape, "strangler_diff_failures_total", "stage=\"classify\"")).isEqualTo(0.0);
    assertThat(value(scrape, "strangler_diff_failures_total", "stage=\"listener\"")).isEqualTo(0.0);
    assertThat(value(scrape, "strangler_api_mode", "api=\"GetRepl\",mode=\"SHADOW\""))
        .isEqualTo(1.0);
    assertThat(value(scrape, "strangler_api_mode", "api=\"ListMachines\",mode=\"NEW_PRIMARY\""))
        .isEqualTo(1.0);
    assertThat(value(scrape, "strangler_readiness_compared_calls", "api=\"GetRepl\""))
        .as("a dropped shadow is not compared")
        .isEqualTo(3.0);
    assertThat(value(scrape, "strangler_readiness_consistency_ratio", "api=\"GetRepl\""))
        .isEqualTo(1.0);
    assertThat(value(scrape, "strangler_readiness_consistency_ratio", "api=\"ListMachines\""))
        .isEqualTo(0.0);
    assertThat(value(scrape, "strangler_readiness_ready", "api=\"GetRepl\"")).isEqualTo(0.0);
    assertThat(scrape).contains("# TYPE strangler_diff_calls_total counter");
    assertThat(scrape).contains("# TYPE strangler_backend_latency_seconds histogram");
    assertThat(scrape).contains("# TYPE strangler_api_mode gauge");
    assertThat(scrape).doesNotContain("otel_scope").doesNotContain("target_info");

    modes.set(Map.of("GetRepl", "NEW_PRIMARY"));
    String later = telemetry.scrape();
    assertThat(value(later, "strangler_api_mode", "api=\"GetRepl\",mode=\"NEW_PRIMARY\""))
        .isEqualTo(1.0);
    assertThat(value(later, "strangler_api_mode", "api=\"GetRepl\",mode=\"SHADOW\""))
        .as("the former mode's series is gone")
        .isNull();
  }

  @Test
  void mismatchPaths_beyondTheCap_countUnderOther() {
    pipeline =
        // One worker: the first three paths to arrive are the first three offered.
        DiffPipeline.builder(DiffConfig.builder().workers(1).maxMismatchPathsPerApi(3).build())
            .meterProvider(telemetry.meterProvider())
            .build();

    List<String> fields = List.of("a", "b", "c", "d", "e");
    for (int round = 0; round < 2; round++) {
      for (String f : fields) {
        pipeline.offer(
            TestCalls.write("CreateRepl", f + round, "{'" + f + "': 1}", "{'" + f + "': 2}"));
      }
    }
    pipeline.offer(TestCalls.write("GetRepl", "other-api", "{'z': 1}", "{'z': 2}"));
    awaitResults(11);
    String scrape = telemetry.scrape();

    for (String f : List.of("a", "b", "c")) {
      assertThat(
              value(
                  scrape,
                  "strangler_diff_mismatches_total",
                  "api=\"CreateRepl\",path=\"/" + f + "\""))
          .as(f)
          .isEqualTo(2.0);
    }
    assertThat(scrape).doesNotContain("path=\"/d\"").doesNotContain("path=\"/e\"");
    assertThat(
            value(scrape, "strangler_diff_mismatches_total", "api=\"CreateRepl\",path=\"other\""))
        .isEqualTo(4.0);
    assertThat(value(scrape, "strangler_diff_mismatches_total", "api=\"GetRepl\",path=\"/z\""))
        .as("the cap is per API")
        .isEqualTo(1.0);
  }

  @Test
  void mismatch_manyDiffsAtOneFoldedPath_countsTheCallOnce() {
    pipeline =
        DiffPipeline.builder(DiffConfig.defaults())
            .meterProvider(telemetry.meterProvider())
            .build();

    pipeline.offer(
        TestCalls.write(
            "ListMachines",
            "w",
            "{'machines': [{'machineId': 'm-1', 'address': 'a'}, {'machineId': 'm-2', 'address':"
                + " 'b'}]}",
            "{'machines': [{'machineId': 'm-1', 'address': 'x'}, {'machineId': 'm-2', 'address':"
                + " 'y'}]}"));
    awaitResults(1);

    assertThat(
            value(
                telemetry.scrape(),
                "strangler_diff_mismatches_total",
                "api=\"ListMachines\",path=\"/machines/*/address\""))
        .isEqualTo(1.0);
  }

  @Test
  void queueFull_dropsAppearByApiAndReason() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    pipeline =
        DiffPipeline.builder(DiffConfig.builder().workers(1).queueCapacity(1).build())
            .meterProvider(telemetry.meterProvider())
            .listener(
                r -> {
                  entered.countDown();
                  try {
                    release.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                })
            .build();

    pipeline.offer(mismatch("GetRepl", "1"));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    pipeline.offer(match("GetRepl", "2"));
    pipeline.offer(match("GetRepl", "3"));
    pipeline.offer(match("GetRepl", "4"));
    String scrape = telemetry.scrape();
    release.countDown();

    assertThat(value(scrape, "strangler_diff_queue_depth", "")).isEqualTo(1.0);
    assertThat(
            value(scrape, "strangler_diff_dropped_total", "api=\"GetRepl\",reason=\"queue_full\""))
        .isEqualTo(2.0);
  }
}
