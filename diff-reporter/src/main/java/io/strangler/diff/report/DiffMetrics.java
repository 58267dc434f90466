package io.strangler.diff.report;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.strangler.common.RateLimitedLog;
import io.strangler.diff.FieldDiff;
import io.strangler.diff.Observed;
import io.strangler.diff.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the pipeline's results and state as the metrics of {@code docs/metrics.md}. Synchronous
 * instruments for what happens per result; asynchronous ones, read at scrape time, for what the
 * pipeline, the sample store, the flags and readiness already count. Attribute sets are built once
 * per label combination and reused. With {@link MeterProvider#noop()} every instrument is a no-op.
 */
final class DiffMetrics implements DiffListener, AutoCloseable {
  static final String SCOPE = "io.strangler.diff";

  private static final Logger log = LoggerFactory.getLogger(DiffMetrics.class);
  private static final AttributeKey<String> API = AttributeKey.stringKey("api");
  private static final AttributeKey<String> MODE = AttributeKey.stringKey("mode");
  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
  private static final AttributeKey<String> BACKEND = AttributeKey.stringKey("backend");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("path");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
  private static final AttributeKey<String> STAGE = AttributeKey.stringKey("stage");

  /** Shadow drop reasons kept as labels at most; they come from the proxy, which has three. */
  static final int MAX_DROP_REASONS = 20;

  static final String OTHER = "other";
  static final String WHOLE_DOCUMENT = "(document)";

  private static final List<Double> LATENCY_BUCKETS =
      List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

  private final int maxPathsPerApi;
  private final LongCounter calls;
  private final LongCounter mismatches;
  private final LongCounter shadowDropped;
  private final DoubleHistogram latency;
  private final List<AutoCloseable> observers = new ArrayList<>();
  private final ConcurrentHashMap<CallKey, Attributes> callAttributes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Attributes[]> backendAttributes =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CappedLabels> pathsByApi = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CappedLabels> dropReasonsByApi =
      new ConcurrentHashMap<>();
  private final RateLimitedLog failures = new RateLimitedLog(log, Duration.ofSeconds(60));

  private record CallKey(String api, String mode, Verdict verdict) {}

  DiffMetrics(MeterProvider provider, DiffPipeline pipeline) {
    Meter meter = provider.get(SCOPE);
    this.maxPathsPerApi = pipeline.config().maxMismatchPathsPerApi();
    this.calls =
        meter
            .counterBuilder("strangler.diff.calls")
            .setDescription("Calls compared, by API, mode and verdict")
            .build();
    this.mismatches =
        meter
            .counterBuilder("strangler.diff.mismatches")
            .setDescription(
                "Inconsistent calls by API and folded field path (capped per API; the rest under"
                    + " path=\"other\")")
            .build();
    this.shadowDropped =
        meter
            .counterBuilder("strangler.shadow.dropped")
            .setDescription("Compared calls whose shadow call was never made, by reason")
            .build();
    this.latency =
        meter
            .histogramBuilder("strangler.backend.latency")
            .setUnit("s")
            .setDescription("Backend latency of compared calls, by API and backend")
            .setExplicitBucketBoundariesAdvice(LATENCY_BUCKETS)
            .build();

    observers.add(
        meter
            .gaugeBuilder("strangler.diff.queue.depth")
            .ofLongs()
            .setDescription("Calls waiting in the diff queue")
            .buildWithCallback(m -> m.record(pipeline.queueDepth())));
    observers.add(
        meter
            .gaugeBuilder("strangler.diff.queue.capacity")
            .ofLongs()
            .setDescription("Capacity of the diff queue")
            .buildWithCallback(m -> m.record(pipeline.config().queueCapacity())));
    observers.add(
        meter
            .gaugeBuilder("strangler.diff.rechecks.pending")
            .ofLongs()
            .setDescription("Second reads scheduled or running")
            .buildWithCallback(m -> m.record(pipeline.pendingRechecks())));
    observers.add(
        meter
            .counterBuilder("strangler.diff.dropped")
            .setDescription("Calls handed to the diff reporter and not compared, by reason")
            .buildWithCallback(m -> record(m, pipeline.droppedCounts().snapshot(), REASON)));
    observers.add(
        meter
            .counterBuilder("strangler.diff.sampled_out")
            .setDescription("Calls left out by the API's sampling ratio")
            .buildWithCallback(
                m ->
                    pipeline
                        .sampledOutCounts()
                        .snapshot()
                        .forEach(c -> m.record(c.count(), Attributes.of(API, c.api())))));
    observers.add(
        meter
            .counterBuilder("strangler.diff.rechecks")
            .setDescription("Second reads of mismatching reads, by result")
            .buildWithCallback(m -> record(m, pipeline.recheckCounts().snapshot(), RESULT)));
    observers.add(
        meter
            .counterBuilder("strangler.diff.failures")
            .setDescription("Internal failures of the diff pipeline, by stage")
            .buildWithCallback(
                m -> {
                  m.record(pipeline.classifyFailures(), Attributes.of(STAGE, "classify"));
                  m.record(pipeline.listenerFailures(), Attributes.of(STAGE, "listener"));
                }));
    observers.add(
        meter
            .counterBuilder("strangler.mismatch.samples")
            .setDescription("Inconsistent calls offered to the sample store, by result")
            .buildWithCallback(m -> record(m, pipeline.samples().counts(), RESULT)));
    observers.add(
        meter
            .gaugeBuilder("strangler.api.mode")
            .ofLongs()
            .setDescription("1 on each API's current dispatch mode")
            .buildWithCallback(m -> recordModes(m, pipeline)));

    Readiness readiness = pipeline.readiness();
    ObservableLongMeasurement compared =
        meter
            .gaugeBuilder("strangler.readiness.compared_calls")
            .ofLongs()
            .setDescription("Compared calls in the readiness window")
            .buildObserver();
    ObservableDoubleMeasurement consistency =
        meter
            .gaugeBuilder("strangler.readiness.consistency_ratio")
            .setDescription("Consistent / compared calls in the readiness window")
            .buildObserver();
    ObservableLongMeasurement ready =
        meter
            .gaugeBuilder("strangler.readiness.ready")
            .ofLongs()
            .setDescription("1 when the API is READY for cut-over")
            .buildObserver();
    observers.add(
        meter.batchCallback(
            () ->
                readiness
                    .counts()
                    .forEach(
                        (api, counts) -> {
                          Attributes a = Attributes.of(API, api);
                          compared.record(counts[0], a);
                          if (counts[0] > 0) {
                            consistency.record((double) counts[1] / counts[0], a);
                          }
                          ready.record(readiness.ready(counts[0], counts[1]) ? 1 : 0, a);
                        }),
            compared,
            consistency,
            ready));
  }

  @Override
  public void onResult(DiffResult result) {
    ComparedCall call = result.call();
    Verdict verdict = result.verdict();
    calls.add(
        1,
        callAttributes.computeIfAbsent(
            new CallKey(call.api(), call.mode(), verdict),
            k ->
                Attributes.of(
                    API,
                    k.api(),
                    MODE,
                    k.mode(),
                    OUTCOME,
                    k.verdict().name().toLowerCase(Locale.ROOT))));
    Attributes[] backends =
        backendAttributes.computeIfAbsent(
            call.api(),
            api ->
                new Attributes[] {
                  Attributes.of(API, api, BACKEND, "legacy"),
                  Attributes.of(API, api, BACKEND, "new")
                });
    recordLatency(call.legacySide(), call.legacyLatency(), backends[0]);
    recordLatency(call.newSide(), call.newLatency(), backends[1]);
    if (verdict == Verdict.MISMATCH || verdict == Verdict.BOTH_ERROR_DIFFERENT) {
      CappedLabels paths =
          pathsByApi.computeIfAbsent(
              call.api(), api -> new CappedLabels(api, PATH, maxPathsPerApi));
      Set<String> seen = new HashSet<>();
      for (FieldDiff diff : result.classification().diffs()) {
        String path = diff.foldedPath().isEmpty() ? WHOLE_DOCUMENT : diff.foldedPath();
        if (seen.add(path)) {
          mismatches.add(1, paths.attributes(path));
        }
      }
    }
    if (verdict == Verdict.SHADOW_DROPPED) {
      String reason =
          call.shadowDropReason() == null || call.shadowDropReason().isBlank()
              ? "unknown"
              : call.shadowDropReason().toLowerCase(Locale.ROOT);
      shadowDropped.add(
          1,
          dropReasonsByApi
              .computeIfAbsent(call.api(), api -> new CappedLabels(api, REASON, MAX_DROP_REASONS))
              .attributes(reason));
    }
  }

  private void recordLatency(Observed observed, Duration took, Attributes attributes) {
    if (took != null
        && (observed instanceof Observed.Answer || observed instanceof Observed.Failure)) {
      latency.record(took.toNanos() / 1e9, attributes);
    }
  }

  private static void record(
      ObservableLongMeasurement m, List<LabeledCount> counts, AttributeKey<String> key) {
    for (LabeledCount c : counts) {
      m.record(c.count(), Attributes.of(API, c.api(), key, c.label()));
    }
  }

  private void recordModes(ObservableLongMeasurement m, DiffPipeline pipeline) {
    Map<String, String> modes;
    try {
      modes = pipeline.modes().get();
    } catch (RuntimeException e) {
      failures.warn("The mode supplier failed; strangler_api_mode is left out of this scrape", e);
      return;
    }
    modes.forEach(
        (api, mode) -> {
          if (api != null && mode != null) {
            m.record(1, Attributes.of(API, api, MODE, mode));
          }
        });
  }

  /** Unregisters the asynchronous instruments. */
  @Override
  public void close() {
    for (AutoCloseable observer : observers) {
      try {
        observer.close();
      } catch (Exception e) {
        log.debug("Closing a metric callback failed", e);
      }
    }
  }

  /**
   * The values of one label for one API, capped: the first {@code max} distinct values keep their
   * own series, later ones share the {@code other} series, so a field path that embeds data (or a
   * flood of distinct differences) cannot grow the exposition without bound.
   */
  static final class CappedLabels {
    private final String api;
    private final AttributeKey<String> key;
    private final int max;
    private final ConcurrentHashMap<String, Attributes> admitted = new ConcurrentHashMap<>();
    private final Attributes other;

    CappedLabels(String api, AttributeKey<String> key, int max) {
      this.api = api;
      this.key = key;
      this.max = max;
      this.other = Attributes.of(API, api, key, OTHER);
    }

    Attributes attributes(String value) {
      Attributes a = admitted.get(value);
      if (a != null) {
        return a;
      }
      synchronized (this) {
        a = admitted.get(value);
        if (a == null) {
          if (admitted.size() >= max) {
            return other;
          }
          a = Attributes.of(API, api, key, value);
          admitted.put(value, a);
        }
        return a;
      }
    }
  }
}
