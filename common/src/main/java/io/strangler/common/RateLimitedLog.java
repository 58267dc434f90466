package io.strangler.common;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning on a per-call path, logged at most once per interval with the number of warnings
 * suppressed since, so that a failure on every call (a backend or store that is down) cannot flood
 * the log. Thread-safe and lock-free: a suppressed warning costs one read and one increment.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextAllowed;
  private final AtomicLong suppressed = new AtomicLong();

  /**
   * @param log where the warnings go
   * @param interval at most one warning per interval; the first one is logged at once
   */
  public RateLimitedLog(Logger log, Duration interval) {
    this(log, interval, System::nanoTime);
  }

  /** With the clock {@code nanoTime} (as {@link System#nanoTime()}): for tests. */
  RateLimitedLog(Logger log, Duration interval, LongSupplier nanoTime) {
    this.log = Objects.requireNonNull(log, "log");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.nextAllowed = new AtomicLong(nanoTime.getAsLong());
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must not be negative, got " + interval);
    }
    this.intervalNanos = interval.toNanos();
  }

  /** Logs {@code message} with {@code cause} unless a warning was logged within the interval. */
  public void warn(String message, Throwable cause) {
    long now = nanoTime.getAsLong();
    long next = nextAllowed.get();
    if (now - next < 0 || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return;
    }
    long skipped = suppressed.getAndSet(0);
    if (skipped > 0) {
      log.warn("{} ({} similar warnings suppressed)", message, skipped, cause);
    } else {
      log.warn(message, cause);
    }
  }
}
