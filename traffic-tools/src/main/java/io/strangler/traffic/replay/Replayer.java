package io.strangler.traffic.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends calls to a {@link Target} on a schedule: each call is due at a time the {@link Pacing}
 * gives (a fixed rate, or the log's own timing scaled), and is handed at that time to {@code
 * concurrency} workers that run the oldest call they may: calls of one entity go one after the
 * other in order, others run alongside, and with one worker every call runs in the log's order.
 * Calls due while every worker is busy wait, and are sent late rather than dropped: the schedule's
 * figures say how late. A replayer that fell behind catches up instead of drifting, since due times
 * are counted from the start.
 *
 * <p>Bounded: at most {@code 4 x concurrency} (at least 16) calls are scheduled and not done; the
 * run stops by itself at the end of the source, after {@code maxCalls} calls or when the next call
 * would be due after {@code maxDuration}.
 */
public final class Replayer {
  private static final Logger log = LoggerFactory.getLogger(Replayer.class);

  /** How to run: the pacing, the workers, and the run's limits. */
  public record Settings(Pacing pacing, int concurrency, long maxCalls, Duration maxDuration) {
    public Settings {
      Objects.requireNonNull(pacing, "pacing");
      Objects.requireNonNull(maxDuration, "maxDuration");
      if (concurrency < 1 || concurrency > 1024) {
        throw new IllegalArgumentException("--concurrency must be 1..1024, got " + concurrency);
      }
      if (maxCalls < 1) {
        throw new IllegalArgumentException("the call limit must be at least 1, got " + maxCalls);
      }
      if (maxDuration.isNegative() || maxDuration.isZero()) {
        throw new IllegalArgumentException("the time limit must be positive, got " + maxDuration);
      }
    }
  }

  /** Where calls come from, asked on the scheduling thread only; null when there are no more. */
  @FunctionalInterface
  public interface Source {
    ReadyCall next();
  }

  /** Hears each call once it is done, on a worker thread: must be thread-safe. */
  @FunctionalInterface
  public interface Listener {
    void done(Sent sent);
  }

  /**
   * One call done.
   *
   * @param dueNanos when it was due, after the start
   * @param sentNanos when a worker began it, after the start
   */
  public record Sent(ReadyCall call, long dueNanos, long sentNanos, CallResult result) {}

  /**
   * How the schedule went: the calls sent, the span from the first send to the last, the rate
   * achieved over it (and, for a time-scaled replay, the speed: the log's span over the replay's),
   * and how late calls were sent.
   */
  public record Schedule(
      String pacing,
      long sent,
      boolean stoppedByLimit,
      Duration span,
      Double askedRate,
      Double achievedRate,
      Double askedSpeed,
      Double achievedSpeed,
      double latenessP50Ms,
      double latenessP99Ms,
      double latenessMaxMs) {}

  private final Settings settings;

  public Replayer(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Schedule run(Source source, Target target, Listener listener) throws InterruptedException {
    int maxInFlight = Math.max(16, settings.concurrency() * 4);
    Semaphore permits = new Semaphore(maxInFlight);
    OrderedWorkers workers = new OrderedWorkers(settings.concurrency(), "replay-worker-");
    Histogram lateness = new Histogram(3);
    AtomicLong firstSent = new AtomicLong(Long.MAX_VALUE);
    AtomicLong lastSent = new AtomicLong(Long.MIN_VALUE);
    AtomicLong firstTime = new AtomicLong(Long.MAX_VALUE);
    AtomicLong lastTime = new AtomicLong(Long.MIN_VALUE);
    long limitNanos = settings.maxDuration().toNanos();
    long sent = 0;
    boolean stopped = false;
    Instant t0 = null;
    long start = System.nanoTime();
    try {
      while (true) {
        if (sent >= settings.maxCalls()) {
          stopped = true;
          break;
        }
        ReadyCall call = source.next();
        if (call == null) {
          break;
        }
        Instant time = call.call().time();
        if (time != null && t0 == null) {
          t0 = time;
        }
        long offset = time == null ? 0 : Duration.between(t0, time).toNanos();
        long due = settings.pacing().dueNanos(sent, Math.max(0, offset));
        if (due > limitNanos) {
          stopped = true;
          break;
        }
        waitUntil(start + due);
        permits.acquire();
        long recordedMillis = time == null ? Long.MIN_VALUE : time.toEpochMilli();
        workers.submit(
            call.laneKey(),
            () -> {
              long at = System.nanoTime() - start;
              try {
                CallResult result = callSafely(target, call);
                firstSent.accumulateAndGet(at, Math::min);
                lastSent.accumulateAndGet(at, Math::max);
                if (recordedMillis != Long.MIN_VALUE) {
                  firstTime.accumulateAndGet(recordedMillis, Math::min);
                  lastTime.accumulateAndGet(recordedMillis, Math::max);
                }
                synchronized (lateness) {
                  lateness.recordValue(Math.max(0, (at - due) / 1000));
                }
                listener.done(new Sent(call, due, at, result));
              } catch (RuntimeException e) {
                log.warn(
                    "a replayed call's result could not be taken in: {}", call.call().source(), e);
              } finally {
                permits.release();
              }
            });
        sent++;
      }
      // Every call scheduled is done once every permit is back.
      permits.acquire(maxInFlight);
      permits.release(maxInFlight);
    } finally {
      workers.close();
    }
    long span = sent < 2 ? 0 : lastSent.get() - firstSent.get();
    Double askedRate = settings.pacing() instanceof Pacing.Rate r ? r.perSecond() : null;
    Double askedSpeed = settings.pacing() instanceof Pacing.Speed s ? s.factor() : null;
    Double achievedRate = span > 0 ? (sent - 1) * 1e9 / span : null;
    Double achievedSpeed =
        askedSpeed != null
                && span > 0
                && lastTime.get() > firstTime.get()
                && firstTime.get() != Long.MAX_VALUE
            ? (lastTime.get() - firstTime.get()) * 1e6 / span
            : null;
    synchronized (lateness) {
      return new Schedule(
          settings.pacing().describe(),
          sent,
          stopped,
          Duration.ofNanos(span),
          askedRate,
          achievedRate,
          askedSpeed,
          achievedSpeed,
          lateness.getValueAtPercentile(50) / 1000.0,
          lateness.getValueAtPercentile(99) / 1000.0,
          lateness.getMaxValue() / 1000.0);
    }
  }

  private static CallResult callSafely(Target target, ReadyCall call) {
    long start = System.nanoTime();
    try {
      return target.call(call);
    } catch (RuntimeException e) {
      return new CallResult(
          new Answer.Failed(0, "REPLAYER", "the call could not be made: " + e),
          Duration.ofNanos(System.nanoTime() - start),
          null);
    }
  }

  private static void waitUntil(long deadline) throws InterruptedException {
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      // Pacing, not waiting for a condition: the schedule is the point.
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while pacing the replay");
      }
    }
  }
}
