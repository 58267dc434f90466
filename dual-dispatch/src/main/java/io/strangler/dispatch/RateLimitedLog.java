package io.strangler.dispatch;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning on a per-request path, logged at most once per interval with the count of those
 * suppressed since, so a failing backend cannot flood the log.
 */
final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  void warn(String message, Throwable cause) {
    long now = System.nanoTime();
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
