package io.strangler.diff.report;

import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
public final class Readiness implements DiffListener {
  /** The cut-over gate. */
  public enum Status {
    READY,
    NOT_READY
  }

  private static final Verdict[] VERDICTS = Verdict.values();
  private static final long HIGHEST_MICROS = Duration.ofSeconds(60).toNanos() / 1000;
  private static final int DIGITS = 2;
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private final Clock clock;
  private final long bucketMillis;
  private final int buckets;
  private final long minCalls;
  private final BigDecimal threshold;
  private final long windowSeconds;
  private final ConcurrentHashMap<String, ApiWindow> windows = new ConcurrentHashMap<>();

  /** Readiness per {@code config}, bucketed by {@code clock}. */
  public Readiness(DiffConfig config, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.buckets = config.readinessBuckets();
    this.bucketMillis = config.readinessWindow().toMillis() / buckets;
    this.minCalls = config.readinessMinCalls();
    this.threshold = config.readinessThresholdPercent();
    this.windowSeconds = config.readinessWindow().toSeconds();
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
  public List<ApiReadiness> all() {
    long now = currentIndex();
    List<ApiReadiness> out = new ArrayList<>();
    new TreeMap<>(windows).forEach((api, w) -> out.add(w.readiness(api, now)));
    return out;
  }

  /** One API's readiness (NOT_READY with no calls when it was never seen). */
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
    return compared >= minCalls && consistentEnough(compared, consistent);
  }

  /** consistent / compared >= threshold, in exact decimal arithmetic: no rounding at the edge. */
  private boolean consistentEnough(long compared, long consistent) {
    return BigDecimal.valueOf(consistent)
            .multiply(HUNDRED)
            .compareTo(threshold.multiply(BigDecimal.valueOf(compared)))
        >= 0;
  }

  private long currentIndex() {
    return Math.floorDiv(clock.millis(), bucketMillis);
  }

  private ApiWindow window(String api) {
    ApiWindow w = windows.get(api);
    return w != null ? w : windows.computeIfAbsent(api, a -> new ApiWindow(buckets));
  }

  private static boolean consistent(Verdict v) {
    return Consistency.of(v) == Consistency.CONSISTENT;
  }

  private static boolean compared(Verdict v) {
    return Consistency.of(v) != Consistency.NOT_COMPARED;
  }

  private static String percent(BigDecimal value) {
    return value.stripTrailingZeros().toPlainString() + "%";
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
      long compared = 0;
      long consistent = 0;
      long notCompared = 0;
      Map<String, Long> verdicts = new TreeMap<>();
      for (Verdict v : VERDICTS) {
        long n = byVerdict[v.ordinal()];
        verdicts.put(v.name().toLowerCase(Locale.ROOT), n);
        if (compared(v)) {
          compared += n;
          consistent += consistent(v) ? n : 0;
        } else {
          notCompared += n;
        }
      }
      Double consistency = compared == 0 ? null : consistent * 100.0 / compared;
      boolean ready = ready(compared, consistent);
      return new ApiReadiness(
          api,
          ready ? Status.READY : Status.NOT_READY,
          reason(compared, consistent, ready),
          compared,
          consistent,
          compared - consistent,
          notCompared,
          consistency,
          verdicts,
          legacy.stats(),
          newer.stats(),
          windowSeconds,
          minCalls,
          threshold);
    }

    private String reason(long compared, long consistent, boolean ready) {
      if (compared == 0) {
        return minCalls + " compared calls needed in the window, none so far";
      }
      // Rounded down, so that a consistency just under the threshold never prints as equal to it.
      BigDecimal consistency =
          BigDecimal.valueOf(consistent)
              .multiply(HUNDRED)
              .divide(BigDecimal.valueOf(compared), 4, RoundingMode.DOWN);
      String figures =
          "consistency "
              + percent(consistency)
              + " ("
              + (compared - consistent)
              + " inconsistent of "
              + compared
              + " compared)";
      if (ready) {
        return figures + " is at or above " + percent(threshold);
      }
      List<String> missing = new ArrayList<>();
      if (compared < minCalls) {
        missing.add(minCalls + " compared calls needed in the window, " + compared + " so far");
      }
      if (!consistentEnough(compared, consistent)) {
        missing.add(figures + " is below " + percent(threshold));
      }
      return String.join("; ", missing);
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
