package io.strangler.dispatch;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bound on work in progress that never waits to acquire (a full bound is an answer, not a
 * queue) and that shutdown can wait to see empty.
 */
final class Permits {
  private final String name;
  private final int max;
  private final AtomicInteger used = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition empty = lock.newCondition();
  private volatile boolean awaited;

  Permits(String name, int max) {
    this.name = name;
    this.max = max;
  }

  boolean tryAcquire() {
    while (true) {
      int n = used.get();
      if (n >= max) {
        return false;
      }
      if (used.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void release() {
    if (used.decrementAndGet() == 0 && awaited) {
      lock.lock();
      try {
        empty.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  int inUse() {
    return used.get();
  }

  int max() {
    return max;
  }

  /** Waits until no permit is held, at most {@code timeout}; true if none is. */
  boolean awaitEmpty(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    awaited = true;
    lock.lock();
    try {
      while (used.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Bounded slices: a release that saw awaited == false just before it was set sends no
        // signal, so the count is looked at again at least every 10 ms.
        empty.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return used.get() == 0;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return name + " (inUse=" + used.get() + ", max=" + max + ")";
  }
}
