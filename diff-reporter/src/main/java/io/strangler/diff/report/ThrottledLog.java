package io.strangler.diff.report;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning on a per-call path, logged at most once per interval with the number of warnings
 * swallowed since, so that a failure on every call does not flood the log.
 */
final class ThrottledLog {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  ThrottledLog(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  void warn(String message, Throwable error) {
    long now = System.nanoTime();
    long next = nextAt.get();
    if ((next == Long.MIN_VALUE || now - next >= 0)
        && nextAt.compareAndSet(next, now + intervalNanos)) {
      long skipped = suppressed.getAndSet(0);
      if (skipped > 0) {
        log.warn("{} ({} similar warnings suppressed)", message, skipped, error);
      } else {
        log.warn(message, error);
      }
    } else {
      suppressed.incrementAndGet();
    }
  }
}
