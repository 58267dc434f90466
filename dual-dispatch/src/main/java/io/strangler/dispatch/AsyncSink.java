package io.strangler.dispatch;

import io.strangler.common.QueueDrain;
import io.strangler.common.RateLimitedLog;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a slow sink on its own thread behind a bounded queue ({@link QueueDrain}), so the proxy's
 * threads only enqueue. When the queue is full the exchange is dropped and counted, never waited
 * for.
 */
public final class AsyncSink implements OutcomeSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AsyncSink.class);

  private final OutcomeSink delegate;
  private final QueueDrain<Exchange> drain;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final RateLimitedLog errors = new RateLimitedLog(log, Duration.ofSeconds(10));

  /**
   * @param capacity exchanges waiting at most; more are dropped
   * @param threadName the name of the thread that calls {@code delegate}
   */
  public AsyncSink(OutcomeSink delegate, int capacity, String threadName) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.drain = QueueDrain.start(threadName, capacity, 1, this::deliver);
  }

  @Override
  public void accept(Exchange exchange) {
    if (!drain.offer(exchange)) {
      dropped.increment();
    }
  }

  private void deliver(List<Exchange> batch) {
    for (Exchange e : batch) {
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

  /**
   * Stops taking exchanges and delivers those queued, waiting at most {@code timeout}; those it
   * could not deliver in time count as dropped.
   */
  public boolean close(Duration timeout) {
    return drain.close(timeout, e -> dropped.increment());
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
