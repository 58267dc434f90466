package io.strangler.cutover;

import io.strangler.diff.Observed;
import io.strangler.diff.report.Consistency;
import io.strangler.diff.report.DiffListener;
import io.strangler.diff.report.DiffResult;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.dispatch.OutcomeSink;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each API's recent health per backend, over a sliding window of 1-second buckets in a ring: calls,
 * errors that are not the caller's fault, timeouts, calls dropped before they were sent, a latency
 * histogram; and the diff pipeline's verdicts (consistent or not). A compared call whose legacy
 * side failed (a backend fault or a timeout) is counted apart ({@link Stats#legacyFaulted()}): it
 * says nothing about the new backend. Fed by the proxy's {@link OutcomeSink} and the pipeline's
 * {@link DiffListener}; read by the gates and the rollback checker.
 *
 * <p>Memory is bounded: per API, one ring of {@code window} buckets; a backend's histogram in a
 * bucket (141 longs, log buckets of ratio 1.1 from 0.1 ms to 60 s) is allocated at its first
 * latency. The number of APIs is the number of operations the proxy serves.
 */
public final class HealthWindow implements OutcomeSink, DiffListener {
  /** Failure codes that are the backend's fault, whatever their HTTP status. */
  private static final Set<String> BACKEND_FAULT_CODES =
      Set.of("UNAVAILABLE", "INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED", "DATA_LOSS");

  private static final double LOWEST_MICROS = 100;
  private static final double RATIO = 1.1;
  private static final double LOG_RATIO = Math.log(RATIO);
  private static final int LATENCY_BUCKETS =
      (int) Math.ceil(Math.log(60_000_000 / LOWEST_MICROS) / LOG_RATIO) + 1;

  private final Clock clock;
  private final int seconds;
  private final ConcurrentHashMap<String, ApiRing> rings = new ConcurrentHashMap<>();

  /** A window of {@code window} (whole seconds) read by {@code clock}. */
  public HealthWindow(Duration window, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.seconds = (int) window.toSeconds();
    if (seconds < 1) {
      throw new IllegalArgumentException("the health window must be at least 1 s, got " + window);
    }
  }

  /**
   * The figures of one API over the window.
   *
   * @param compared calls the diff pipeline compared (consistent or not), except those of {@code
   *     legacyFaulted}
   * @param consistent consistent among them
   * @param legacyFaulted compared calls whose legacy side failed or timed out (a fault of legacy's,
   *     whatever the new backend answered): not in {@code compared}
   * @param windowSeconds the window's length
   */
  public record Stats(
      String api,
      BackendHealth legacy,
      BackendHealth newer,
      long compared,
      long consistent,
      long legacyFaulted,
      long windowSeconds) {
    /** 100 * consistent / compared; null when nothing was compared. */
    public Double consistencyPercent() {
      return compared == 0 ? null : consistent * 100.0 / compared;
    }
  }

  @Override
  public void accept(Exchange e) {
    long now = nowSecond();
    ApiRing r = ring(e.operation());
    r.record(now, e.legacy(), e.newer());
  }

  @Override
  public void onResult(DiffResult result) {
    Consistency c = Consistency.of(result.verdict());
    if (c == Consistency.NOT_COMPARED) {
      return;
    }
    if (legacyFault(result.call().legacySide())) {
      // The legacy store failing (say frozen while it is the shadow of NEW_PRIMARY) makes the call
      // inconsistent, but it is no sign of the new backend misbehaving.
      ring(result.api()).legacyFaulted(nowSecond());
    } else {
      ring(result.api()).compared(nowSecond(), c == Consistency.CONSISTENT);
    }
  }

  /** Whether legacy's side of a compared call is a failure of its own (not the caller's). */
  static boolean legacyFault(Observed legacy) {
    return switch (legacy) {
      case Observed.TimedOut t -> true;
      case Observed.Failure f -> BACKEND_FAULT_CODES.contains(f.code());
      case Observed.Answer a -> false;
      case Observed.Dropped d -> false;
    };
  }

  /** The figures of {@code api} now; all zero and unknown when it had no calls in the window. */
  public Stats stats(String api) {
    ApiRing r = rings.get(api);
    if (r == null) {
      return new Stats(api, BackendHealth.NONE, BackendHealth.NONE, 0, 0, 0, seconds);
    }
    return r.stats(api, nowSecond());
  }

  public Duration window() {
    return Duration.ofSeconds(seconds);
  }

  private long nowSecond() {
    return Math.floorDiv(clock.millis(), 1000L);
  }

  private ApiRing ring(String api) {
    ApiRing r = rings.get(api);
    return r != null ? r : rings.computeIfAbsent(api, a -> new ApiRing(seconds));
  }

  /** Whether a failure is the backend's fault (5xx and its kind), not the caller's (4xx). */
  static boolean backendFault(Outcome.Failure f) {
    return f.httpStatus() >= 500 || BACKEND_FAULT_CODES.contains(f.code());
  }

  static int latencyBucket(Duration latency) {
    double micros = latency.toNanos() / 1000.0;
    if (micros <= LOWEST_MICROS) {
      return 0;
    }
    int i = (int) Math.ceil(Math.log(micros / LOWEST_MICROS) / LOG_RATIO);
    return Math.min(i, LATENCY_BUCKETS - 1);
  }

  /** The upper bound of a latency bucket, in milliseconds. */
  static double upperMillis(int bucket) {
    return LOWEST_MICROS * Math.pow(RATIO, bucket) / 1000.0;
  }

  private static final class ApiRing {
    private final Bucket[] ring;

    ApiRing(int size) {
      ring = new Bucket[size];
      for (int i = 0; i < size; i++) {
        ring[i] = new Bucket();
      }
    }

    private Bucket at(long second) {
      Bucket b = ring[(int) Math.floorMod(second, (long) ring.length)];
      if (b.second != second) {
        if (second < b.second) {
          return null; // the clock went back past a whole window: nowhere to put it
        }
        b.reset(second);
      }
      return b;
    }

    synchronized void record(long second, Outcome legacy, Outcome newer) {
      Bucket b = at(second);
      if (b != null) {
        b.legacy.record(legacy);
        b.newer.record(newer);
      }
    }

    synchronized void compared(long second, boolean consistent) {
      Bucket b = at(second);
      if (b != null) {
        b.compared++;
        b.consistent += consistent ? 1 : 0;
      }
    }

    synchronized void legacyFaulted(long second) {
      Bucket b = at(second);
      if (b != null) {
        b.legacyFaulted++;
      }
    }

    synchronized Stats stats(String api, long now) {
      Side legacy = new Side();
      Side newer = new Side();
      long compared = 0;
      long consistent = 0;
      long legacyFaulted = 0;
      for (Bucket b : ring) {
        if (b.second > now - ring.length && b.second <= now) {
          legacy.add(b.legacy);
          newer.add(b.newer);
          compared += b.compared;
          consistent += b.consistent;
          legacyFaulted += b.legacyFaulted;
        }
      }
      return new Stats(
          api, legacy.health(), newer.health(), compared, consistent, legacyFaulted, ring.length);
    }
  }

  private static final class Bucket {
    long second = Long.MIN_VALUE;
    long compared;
    long consistent;
    long legacyFaulted;
    final Side legacy = new Side();
    final Side newer = new Side();

    void reset(long s) {
      second = s;
      compared = 0;
      consistent = 0;
      legacyFaulted = 0;
      legacy.reset();
      newer.reset();
    }
  }

  /** One backend in one bucket, or summed over the window. */
  private static final class Side {
    long calls;
    long errors;
    long timeouts;
    long dropped;
    long[] latencies; // allocated at the first latency: an idle bucket holds none

    void record(Outcome o) {
      switch (o) {
        case Outcome.Answer a -> {
          calls++;
          latency(a.latency());
        }
        case Outcome.Failure f -> {
          calls++;
          if (backendFault(f)) {
            errors++;
          }
          latency(f.latency());
        }
        case Outcome.TimedOut t -> {
          calls++;
          timeouts++;
          // A timeout is at least this slow: counting it keeps a slow backend's p99 honest.
          latency(t.after());
        }
        case Outcome.Dropped d -> dropped++;
        case Outcome.NotCalled n -> {}
      }
    }

    private void latency(Duration d) {
      if (latencies == null) {
        latencies = new long[LATENCY_BUCKETS];
      }
      latencies[latencyBucket(d)]++;
    }

    void add(Side o) {
      calls += o.calls;
      errors += o.errors;
      timeouts += o.timeouts;
      dropped += o.dropped;
      if (o.latencies != null) {
        if (latencies == null) {
          latencies = new long[LATENCY_BUCKETS];
        }
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
          latencies[i] += o.latencies[i];
        }
      }
    }

    void reset() {
      calls = 0;
      errors = 0;
      timeouts = 0;
      dropped = 0;
      if (latencies != null) {
        java.util.Arrays.fill(latencies, 0);
      }
    }

    BackendHealth health() {
      return new BackendHealth(
          calls,
          errors,
          timeouts,
          dropped,
          calls == 0 ? null : (errors + timeouts) * 100.0 / calls,
          p99());
    }

    private Double p99() {
      if (latencies == null) {
        return null;
      }
      long total = 0;
      for (long n : latencies) {
        total += n;
      }
      if (total == 0) {
        return null;
      }
      long rank = (long) Math.ceil(total * 0.99);
      long seen = 0;
      for (int i = 0; i < LATENCY_BUCKETS; i++) {
        seen += latencies[i];
        if (seen >= rank) {
          return Math.round(upperMillis(i) * 10) / 10.0;
        }
      }
      return upperMillis(LATENCY_BUCKETS - 1);
    }
  }
}
