package io.strangler.flags;

import io.getunleash.util.UnleashScheduledExecutor;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor the Unleash client runs its background work on. The client's own queues one event
 * task per toggle evaluation on an unbounded single-thread executor; evaluations here happen on the
 * proxy's request path and nothing subscribes to those events, so tasks scheduled from threads that
 * are not this executor's own (after the client is built) are skipped. Fetches, metrics and the
 * events they raise run on two named daemon threads; one-off tasks queue at most {@value #QUEUE}
 * deep and are dropped (and counted) past that.
 */
final class UnleashExecutor implements UnleashScheduledExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(UnleashExecutor.class);
  static final int QUEUE = 256;
  private static final Future<Void> SKIPPED = CompletableFuture.completedFuture(null);

  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor events;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean building = true;

  UnleashExecutor() {
    timer = new ScheduledThreadPoolExecutor(1, factory("strangler-unleash-timer"));
    timer.setRemoveOnCancelPolicy(true);
    events =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            factory("strangler-unleash-events"),
            (r, pool) -> dropped.incrementAndGet());
  }

  /**
   * Runs a task on the events thread whoever asks: for the client registration, which the client
   * would otherwise send synchronously while it is being built.
   */
  void runInBackground(Runnable task) {
    try {
      events.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      dropped.incrementAndGet();
    }
  }

  /** From now on, tasks from foreign threads are evaluation events: skipped. */
  void built() {
    building = false;
  }

  long dropped() {
    return dropped.get();
  }

  @Override
  public void setInterval(Runnable command, long initialDelaySec, long periodSec) {
    try {
      timer.scheduleAtFixedRate(guarded(command), initialDelaySec, periodSec, TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("Unleash task not scheduled: executor shut down");
    }
  }

  @Override
  public Future<Void> scheduleOnce(Runnable runnable) {
    if (!building && !(Thread.currentThread() instanceof OwnThread)) {
      return SKIPPED;
    }
    try {
      return events.submit(guarded(runnable), null);
    } catch (RejectedExecutionException e) {
      return SKIPPED;
    }
  }

  @Override
  public void shutdown() {
    timer.shutdownNow();
    events.shutdownNow();
  }

  @Override
  public void shutdownNow() {
    shutdown();
  }

  // A periodic task that throws is never run again by a ScheduledThreadPoolExecutor.
  private static Runnable guarded(Runnable r) {
    return () -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("Unleash background task failed", e);
      }
    };
  }

  private static ThreadFactory factory(String name) {
    return r -> {
      Thread t = new OwnThread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static final class OwnThread extends Thread {
    OwnThread(Runnable r, String name) {
      super(r, name);
    }
  }
}
