package io.strangler.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue drained by one daemon platform thread, in batches. Producers (often a network
 * thread) only {@link #offer}, which never waits: a full queue is an answer ({@code false}), for
 * the producer to count. The drain thread takes the queue in order, at most {@code batchSize} items
 * at a time, and hands each batch to the {@link Handler}; it waits for work at most 100 ms at a
 * time, so that it sees {@link #close} without being interrupted.
 *
 * <p>{@link #close} stops taking items, lets the thread handle what is queued (waiting a bounded
 * time) and hands what it did not handle to the caller, to count as lost.
 */
public final class QueueDrain<T> {
  private static final Logger log = LoggerFactory.getLogger(QueueDrain.class);
  private static final long POLL_MILLIS = 100;

  /** What the drain thread does; every method runs on that thread only. */
  public interface Handler<T> {
    /**
     * Handles 1 to {@code batchSize} items, in the order they were offered. The list is reused: it
     * is valid during the call only. An exception is logged (rate-limited) and counted in {@link
     * QueueDrain#failures()}; the thread goes on with the next batch.
     */
    void handle(List<T> batch);

    /** After a batch that left the queue empty: the place to flush what the batches buffered. */
    default void drained() {}

    /**
     * A bounded wait found the queue empty (about every 100 ms while nothing comes, never once
     * closing): the place for housekeeping.
     */
    default void idle() {}

    /** The thread's last call, once it stops (closed and empty, or interrupted). */
    default void stopped() {}
  }

  private final BlockingQueue<T> queue;
  private final int capacity;
  private final int batchSize;
  private final Handler<T> handler;
  private final Thread thread;
  private final LongAdder failures = new LongAdder();
  private final RateLimitedLog errors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private volatile boolean closing;

  private QueueDrain(String threadName, int capacity, int batchSize, Handler<T> handler) {
    Objects.requireNonNull(threadName, "threadName");
    this.handler = Objects.requireNonNull(handler, "handler");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    this.capacity = capacity;
    this.batchSize = batchSize;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
  }

  /**
   * Starts the drain thread.
   *
   * @param threadName the name of the thread that calls {@code handler}
   * @param capacity items queued at most; an offer beyond is refused
   * @param batchSize items handed to {@code handler} at once at most
   */
  public static <T> QueueDrain<T> start(
      String threadName, int capacity, int batchSize, Handler<T> handler) {
    QueueDrain<T> drain = new QueueDrain<>(threadName, capacity, batchSize, handler);
    drain.thread.start();
    return drain;
  }

  /** Queues {@code item} without waiting; false if the queue is full or closing. */
  public boolean offer(T item) {
    Objects.requireNonNull(item, "item");
    return !closing && queue.offer(item);
  }

  /** Whether {@link #close} was called: offers are refused from then on. */
  public boolean closing() {
    return closing;
  }

  /** Items queued and not yet taken by the thread. */
  public int size() {
    return queue.size();
  }

  public int capacity() {
    return capacity;
  }

  /** Batches on which the handler threw. */
  public long failures() {
    return failures.sum();
  }

  private void run() {
    List<T> batch = new ArrayList<>(Math.min(batchSize, 1024));
    try {
      while (!Thread.currentThread().isInterrupted()) {
        T first;
        try {
          // Once closing, the queue is only emptied: no wait for items that cannot come.
          first = closing ? queue.poll() : queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (first == null) {
          if (closing) {
            return;
          }
          try {
            handler.idle();
          } catch (RuntimeException e) {
            errors.warn(thread.getName() + ": housekeeping failed", e);
          }
          continue;
        }
        batch.add(first);
        if (batchSize > 1) {
          queue.drainTo(batch, batchSize - 1);
        }
        try {
          handler.handle(batch);
        } catch (RuntimeException e) {
          failures.increment();
          errors.warn(thread.getName() + ": a batch of " + batch.size() + " failed", e);
        } finally {
          batch.clear();
        }
        if (queue.isEmpty()) {
          try {
            handler.drained();
          } catch (RuntimeException e) {
            errors.warn(thread.getName() + ": handling an empty queue failed", e);
          }
        }
      }
    } finally {
      try {
        handler.stopped();
      } catch (RuntimeException e) {
        log.warn("{}: stopping failed", thread.getName(), e);
      }
    }
  }

  /**
   * Stops taking items and lets the thread handle those queued, waiting at most {@code timeout};
   * then interrupts the thread if it has not finished. Every item still queued then is handed to
   * {@code left} (on the caller's thread), never to the handler.
   *
   * @return whether the thread finished within {@code timeout}
   */
  public boolean close(Duration timeout, Consumer<? super T> left) {
    closing = true;
    try {
      thread.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean finished = !thread.isAlive();
    if (!finished) {
      thread.interrupt();
    }
    // Items the thread gave up on, or offered as it stopped.
    T item;
    while ((item = queue.poll()) != null) {
      left.accept(item);
    }
    return finished;
  }

  /** {@link #close(Duration, Consumer)}, dropping what is left without a word. */
  public boolean close(Duration timeout) {
    return close(timeout, item -> {});
  }
}
