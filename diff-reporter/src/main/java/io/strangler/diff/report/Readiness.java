package io.strangler.diff.report;

import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Cut-over readiness per API over a sliding window: calls compared, consistency, latency
 * percentiles and error rates per backend, and the gate: READY when at least {@link
 * DiffConfig#readinessMinCalls()} calls were compared and the consistency is at or above {@link
 * DiffConfig#readinessThresholdPercent()}.
 *
 * <p>Consistent: MATCH, RACE (the backends agreed once the state settled) and BOTH_ERROR_SAME.
 * Inconsistent: MISMATCH, BOTH_ERROR_DIFFERENT, AUTHORITATIVE_ERROR, SHADOW_ERROR (the backends
 * disagreed on the outcome itself). Not compared: SHADOW_TIMEOUT and SHADOW_DROPPED, and calls the
 * pipeline never compared (sampled out, dropped): they are neither consistent nor not.
 *
 * <p>The window is cut into {@link DiffConfig#readinessBuckets()} time buckets by the injected
 * clock at the time a result arrives; it slides one bucket at a time, so it holds between {@code
 * window - window/buckets} and {@code window} of results. Latencies are kept in HdrHistograms (two
 * significant digits, 1 µs to 60 s; about 10 KB per backend per bucket in use).
 */
public final class Readiness implements DiffListener, ReadinessView {
  /** The cut-over gate. */
  public enum Status {
    READY,
    NOT_READY
  }

  private static final Verdict[] VERDICTS = Verdict.values();
  private static final long HIGHEST_MICROS = Duration.ofSeconds(60).toNanos() / 1000;
  private static final int DIGITS = 2;

  private final Clock clock;
  private final long bucketMillis;
  private final int buckets;
  private final ReadinessGate gate;
  private final ConcurrentHashMap<String, ApiWindow> windows = new ConcurrentHashMap<>();

  /** Readiness per {@code config}, bucketed by {@code clock}. */
  public Readiness(DiffConfig config, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.buckets = config.readinessBuckets();
    this.bucketMillis = config.readinessWindow().toMillis() / buckets;
    this.gate = new ReadinessGate(config);
    for (String api : config.apis()) {
      windows.put(api, new ApiWindow(buckets));
    }
  }

  @Override
  public void onResult(DiffResult result) {
    long index = Math.floorDiv(clock.millis(), bucketMillis);
    window(result.api()).record(index, result);
  }

  /** Every API configured or seen, by name. */
  @Override
  public List<ApiReadiness> all() {
    long now = currentIndex();
    List<ApiReadiness> out = new ArrayList<>();
    new TreeMap<>(windows).forEach((api, w) -> out.add(w.readiness(api, now)));
    return out;
  }

  /** One API's readiness (NOT_READY with no calls when it was never seen). */
  @Override
  public ApiReadiness of(String api) {
    ApiWindow w = windows.get(api);
    // An API never seen is not added: asking about a name must not grow the map.
    return (w != null ? w : new ApiWindow(buckets)).readiness(api, currentIndex());
  }

  /** Compared and consistent calls per API, without latencies: cheap enough for every scrape. */
  Map<String, long[]> counts() {
    long now = currentIndex();
    Map<String, long[]> out = new TreeMap<>();
    windows.forEach((api, w) -> out.put(api, w.counts(now)));
    return out;
  }

  /** Whether {@code compared} calls with {@code consistent} among them pass the gate. */
  boolean ready(long compared, long consistent) {
    return gate.ready(compared, consistent);
  }

  private long currentIndex() {
    return Math.floorDiv(clock.millis(), bucketMillis);
  }

  private ApiWindow window(String api) {
    ApiWindow w = windows.get(api);
    return w != null ? w : windows.computeIfAbsent(api, a -> new ApiWindow(buckets));
  }

  private static boolean consistent(Verdict v) {
    return ReadinessGate.consistent(v);
  }

  private static boolean compared(Verdict v) {
    return ReadinessGate.compared(v);
  }

  /** One API's ring of buckets; a bucket is reused once the window has slid past it. */
  private final class ApiWindow {
    private final Bucket[] ring;

    ApiWindow(int size) {
      ring = new Bucket[size];
      for (int i = 0; i < size; i++) {
        ring[i] = new Bucket();
      }
    }

    synchronized void record(long index, DiffResult result) {
      Bucket b = ring[(int) Math.floorMod(index, (long) ring.length)];
      if (b.index != index) {
        if (index < b.index) {
          return; // the clock went back past a whole window: nowhere to put it
        }
        b.reset(index);
      }
      b.verdicts[result.verdict().ordinal()]++;
      b.legacy.record(result.call().legacySide(), result.call().latency(Side.LEGACY));
      b.newer.record(result.call().newSide(), result.call().latency(Side.NEW));
    }

    private boolean live(Bucket b, long now) {
      return b.index > now - ring.length && b.index <= now;
    }

    synchronized long[] counts(long now) {
      long compared = 0;
      long consistent = 0;
      for (Bucket b : ring) {
        if (live(b, now)) {
          for (Verdict v : VERDICTS) {
            long n = b.verdicts[v.ordinal()];
            compared += compared(v) ? n : 0;
            consistent += consistent(v) ? n : 0;
          }
        }
      }
      return new long[] {compared, consistent};
    }

    synchronized ApiReadiness readiness(String api, long now) {
      long[] byVerdict = new long[VERDICTS.length];
      BackendWindow legacy = new BackendWindow(true);
      BackendWindow newer = new BackendWindow(true);
      for (Bucket b : ring) {
        if (live(b, now)) {
          for (int i = 0; i < byVerdict.length; i++) {
            byVerdict[i] += b.verdicts[i];
          }
          legacy.add(b.legacy);
          newer.add(b.newer);
        }
      }
      return gate.readiness(api, byVerdict, legacy.stats(), newer.stats());
    }
  }

  /** One time bucket of one API. */
  private static final class Bucket {
    long index = Long.MIN_VALUE;
    final long[] verdicts = new long[VERDICTS.length];
    final BackendWindow legacy = new BackendWindow(false);
    final BackendWindow newer = new BackendWindow(false);

    void reset(long newIndex) {
      index = newIndex;
      Arrays.fill(verdicts, 0);
      legacy.reset();
      newer.reset();
    }
  }

  /** One backend's counts and latencies, in one bucket or summed over the window. */
  private static final class BackendWindow {
    long calls;
    long errors;
    long timeouts;
    private final boolean sum;
    AbstractHistogram
        latencyMicros; // created at the first latency: most buckets of an idle API have none

    /** {@code sum}: a window's total, whose counts may outgrow a bucket's int counts. */
    BackendWindow(boolean sum) {
      this.sum = sum;
    }

    void record(Observed observed, Duration latency) {
      switch (observed) {
        case Observed.Answer a -> calls++;
        case Observed.Failure f -> {
          calls++;
          errors++;
        }
        case Observed.TimedOut t -> {
          calls++;
          timeouts++;
        }
        case Observed.Dropped d -> {
          return;
        }
      }
      if (latency != null && !(observed instanceof Observed.TimedOut)) {
        long micros = Math.clamp(latency.toNanos() / 1000, 1, HIGHEST_MICROS);
        histogram().recordValue(micros);
      }
    }

    void add(BackendWindow other) {
      calls += other.calls;
      errors += other.errors;
      timeouts += other.timeouts;
      if (other.latencyMicros != null && other.latencyMicros.getTotalCount() > 0) {
        histogram().add(other.latencyMicros);
      }
    }

    void reset() {
      calls = 0;
      errors = 0;
      timeouts = 0;
      if (latencyMicros != null) {
        latencyMicros.reset();
      }
    }

    private AbstractHistogram histogram() {
      if (latencyMicros == null) {
        latencyMicros =
            sum
                ? new Histogram(1, HIGHEST_MICROS, DIGITS)
                : new IntCountsHistogram(1, HIGHEST_MICROS, DIGITS);
      }
      return latencyMicros;
    }

    ApiReadiness.BackendStats stats() {
      boolean timed = latencyMicros != null && latencyMicros.getTotalCount() > 0;
      return new ApiReadiness.BackendStats(
          calls,
          errors,
          timeouts,
          calls == 0 ? null : (errors + timeouts) * 100.0 / calls,
          timed ? latencyMicros.getValueAtPercentile(50) / 1000.0 : null,
          timed ? latencyMicros.getValueAtPercentile(99) / 1000.0 : null);
    }
  }
}
