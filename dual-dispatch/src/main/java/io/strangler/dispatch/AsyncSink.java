package io.strangler.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a slow sink on its own thread behind a bounded queue, so the proxy's threads only enqueue.
 * When the queue is full the exchange is dropped and counted, never waited for.
 */
public final class AsyncSink implements OutcomeSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AsyncSink.class);

  private final OutcomeSink delegate;
  private final BlockingQueue<Exchange> queue;
  private final Thread worker;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final RateLimitedLog errors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private volatile boolean closing;

  /**
   * @param capacity exchanges waiting at most; more are dropped
   * @param threadName the name of the thread that calls {@code delegate}
   */
  public AsyncSink(OutcomeSink delegate, int capacity, String threadName) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    Objects.requireNonNull(threadName, "threadName");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.worker = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
    worker.start();
  }

  @Override
  public void accept(Exchange exchange) {
    if (closing || !queue.offer(exchange)) {
      dropped.increment();
    }
  }

  private void run() {
    while (true) {
      Exchange e;
      try {
        e = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
      if (e == null) {
        if (closing) {
          return;
        }
        continue;
      }
      try {
        delegate.accept(e);
        delivered.increment();
      } catch (RuntimeException ex) {
        failed.increment();
        errors.warn("sink failed on " + e.operation(), ex);
      }
    }
  }

  /** Exchanges dropped because the queue was full (or the sink closed). */
  public long dropped() {
    return dropped.sum();
  }

  /** Exchanges handed to the delegate without an exception. */
  public long delivered() {
    return delivered.sum();
  }

  /** Exchanges on which the delegate threw. */
  public long failed() {
    return failed.sum();
  }

  /** Stops taking exchanges and delivers those queued, waiting at most {@code timeout}. */
  public boolean close(Duration timeout) {
    closing = true;
    try {
      worker.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      worker.interrupt();
      return false;
    }
    return true;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
