package io.strangler.convergence;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Paces work to at most {@code perSecond} units a second, so a scan or repair on a serving system
 * takes a bounded share of both stores. {@link #unlimited()} does nothing.
 */
interface RateLimiter {
  void acquire(int units);

  static RateLimiter unlimited() {
    return units -> {};
  }

  static RateLimiter perSecond(double perSecond) {
    return perSecond(perSecond, System::nanoTime);
  }

  static RateLimiter perSecond(double perSecond, LongSupplier nanoClock) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("rate must be > 0 per second, got " + perSecond);
    }
    double nanosPerUnit = 1e9 / perSecond;
    return new RateLimiter() {
      private long next = nanoClock.getAsLong();

      @Override
      public synchronized void acquire(int units) {
        long now = nanoClock.getAsLong();
        long start = Math.max(now, next);
        next = start + (long) (units * nanosPerUnit);
        // Wait until this batch's share of time has started; bounded by units / rate.
        while ((now = nanoClock.getAsLong()) < start) {
          LockSupport.parkNanos(start - now);
          if (Thread.currentThread().isInterrupted()) {
            return;
          }
        }
      }
    };
  }
}
