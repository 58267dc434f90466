package io.strangler.dispatch;

import io.strangler.flags.Mode;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one prepared call to the backends its mode names and reports the outcomes; knows nothing
 * of HTTP. Every backend call runs on a virtual thread started for it (never on the caller's
 * network thread), within two bounds: {@code maxInFlightCalls} authoritative calls and the shadow
 * budget.
 *
 * <p>Ordering: calls of one entity to one backend that has shadow writes queued for that entity
 * join the entity's lane ({@link SerialLanes}) rather than overtake those writes. In a steady mode
 * only shadow writes (and shadow reads of an entity being written) queue there, off the client's
 * path; right after a mode flip the new authoritative backend may still have shadow writes queued,
 * and its calls wait for them so that clients never read behind their own writes.
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** What the dispatcher needs of one operation, resolved once at start. */
  record Route(ApiSpec spec, Duration shadowTimeout) {
    String name() {
      return spec.name();
    }

    boolean isWrite() {
      return spec.kind() == ApiSpec.Kind.WRITE;
    }
  }

  /** One call to dispatch. */
  record Call(Route route, Prepared prepared, Stamp stamp, Mode mode) {
    Exchange exchange(Outcome authoritative, Outcome shadow) {
      return new Exchange(
          route.name(),
          route.spec().kind(),
          mode,
          prepared.body(),
          stamp.requestId(),
          stamp.now(),
          authoritative,
          shadow);
    }
  }

  /** Hands the authoritative outcome to the client; must not block. */
  @FunctionalInterface
  interface Responder {
    void respond(Call call, Outcome authoritative, String backend);
  }

  private final Backend legacy;
  private final Backend newer;
  private final OutcomeSink sink;
  private final Permits calls;
  private final Permits shadows;
  private final SerialLanes lanes;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadFactory legacyCalls;
  private final ThreadFactory newCalls;
  private final ThreadFactory legacyShadows;
  private final ThreadFactory newShadows;

  private final LongAdder overloaded = new LongAdder();
  private final LongAdder shadowDropped = new LongAdder();
  private final LongAdder shadowNotSent = new LongAdder();
  private final LongAdder shadowTimedOut = new LongAdder();
  private final LongAdder sinkFailures = new LongAdder();
  private final RateLimitedLog backendErrors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private final RateLimitedLog sinkErrors = new RateLimitedLog(log, Duration.ofSeconds(10));

  Dispatcher(
      Backend legacy, Backend newer, OutcomeSink sink, int maxInFlightCalls, int shadowBudget) {
    this.legacy = legacy;
    this.newer = newer;
    this.sink = sink;
    this.calls = new Permits("authoritative calls", maxInFlightCalls);
    this.shadows = new Permits("shadow budget", shadowBudget);
    this.lanes = new SerialLanes(Thread.ofVirtual().name("dispatch-lane-", 0).factory());
    this.legacyCalls = Thread.ofVirtual().name("dispatch-legacy-", 0).factory();
    this.newCalls = Thread.ofVirtual().name("dispatch-new-", 0).factory();
    this.legacyShadows = Thread.ofVirtual().name("dispatch-legacy-shadow-", 0).factory();
    this.newShadows = Thread.ofVirtual().name("dispatch-new-shadow-", 0).factory();
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> Thread.ofPlatform().name("dispatch-shadow-timer").daemon(true).unstarted(r),
            new ScheduledThreadPoolExecutor.AbortPolicy());
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  Backend backend(Mode.Backend side) {
    return side == Mode.Backend.LEGACY ? legacy : newer;
  }

  void dispatch(Call call, Responder responder) {
    Mode mode = call.mode();
    if (!calls.tryAcquire()) {
      overloaded.increment();
      Outcome dropped = new Outcome.Dropped(Outcome.DropReason.OVERLOADED);
      responder.respond(call, dropped, "proxy (" + calls + ")");
      deliver(call.exchange(dropped, mode.isDual() ? dropped : Outcome.NOT_CALLED));
      return;
    }
    Dual dual = mode.isDual() ? new Dual(call) : null;
    if (dual != null && !call.route().isWrite()) {
      startShadow(call, dual, false);
    }
    Mode.Backend side = mode.authoritative();
    Runnable task = () -> runAuthoritative(call, dual, responder);
    if (!lanes.submitIfPending(call.prepared().entityKey(), side, task)) {
      (side == Mode.Backend.LEGACY ? legacyCalls : newCalls).newThread(task).start();
    }
  }

  private void runAuthoritative(Call call, Dual dual, Responder responder) {
    Backend backend = backend(call.mode().authoritative());
    Outcome outcome = null;
    try {
      outcome = invoke(backend, call);
      if (dual != null && call.route().isWrite()) {
        // The shadow write is queued before the client hears back: a client's next write to the
        // entity can then only be queued after this one.
        if (outcome instanceof Outcome.Answer) {
          startShadow(call, dual, true);
        } else {
          shadowNotSent.increment();
          dual.shadow(new Outcome.Dropped(Outcome.DropReason.AUTHORITATIVE_FAILED));
        }
      }
    } finally {
      if (outcome == null) {
        outcome =
            new Outcome.Failure(
                ErrorCodes.INTERNAL, 500, backend.name() + " failed", Duration.ZERO);
      }
      try {
        responder.respond(call, outcome, backend.name());
        if (dual == null) {
          deliver(call.exchange(outcome, Outcome.NOT_CALLED));
        } else {
          dual.authoritative(outcome);
        }
      } finally {
        calls.release();
      }
    }
  }

  private void startShadow(Call call, Dual dual, boolean ordered) {
    if (!shadows.tryAcquire()) {
      shadowDropped.increment();
      dual.shadow(new Outcome.Dropped(Outcome.DropReason.SHADOW_BUDGET_FULL));
      return;
    }
    Mode.Backend side = call.mode().shadow();
    String entity = call.prepared().entityKey();
    Runnable task = () -> runShadow(call, dual, side);
    if (ordered) {
      lanes.submit(entity, side, task);
    } else if (!lanes.submitIfPending(entity, side, task)) {
      (side == Mode.Backend.LEGACY ? legacyShadows : newShadows).newThread(task).start();
    }
  }

  private void runShadow(Call call, Dual dual, Mode.Backend side) {
    try {
      Duration timeout = call.route().shadowTimeout();
      ScheduledFuture<?> timer = scheduleTimeout(dual, timeout);
      Outcome outcome = invoke(backend(side), call);
      if (timer != null) {
        timer.cancel(false);
      }
      dual.shadow(outcome);
    } finally {
      // Released only now, even after a timeout: the budget bounds calls really in flight.
      shadows.release();
    }
  }

  private ScheduledFuture<?> scheduleTimeout(Dual dual, Duration timeout) {
    try {
      return timer.schedule(
          () -> {
            if (dual.shadow(new Outcome.TimedOut(timeout))) {
              shadowTimedOut.increment();
            }
          },
          timeout.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null; // shutting down: the call is waited for instead
    }
  }

  private Outcome invoke(Backend backend, Call call) {
    long start = System.nanoTime();
    Reply reply;
    try {
      reply = backend.call(call.route().name(), call.prepared(), call.stamp());
    } catch (RuntimeException e) {
      backendErrors.warn(backend.name() + " threw on " + call.route().name(), e);
      return new Outcome.Failure(
          ErrorCodes.INTERNAL,
          500,
          backend.name() + " failed: " + e,
          Duration.ofNanos(System.nanoTime() - start));
    }
    Duration latency = Duration.ofNanos(System.nanoTime() - start);
    return switch (reply) {
      case Reply.Ok ok -> new Outcome.Answer(ok.body(), latency);
      case Reply.Failed f -> new Outcome.Failure(f.code(), f.httpStatus(), f.message(), latency);
      case null ->
          new Outcome.Failure(
              ErrorCodes.INTERNAL, 500, backend.name() + " returned no reply", latency);
    };
  }

  private void deliver(Exchange exchange) {
    try {
      sink.accept(exchange);
    } catch (RuntimeException e) {
      sinkFailures.increment();
      sinkErrors.warn("outcome sink failed on " + exchange.operation(), e);
    }
  }

  /** Waits until no authoritative and no shadow call is running or queued. */
  boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean callsDone = calls.awaitEmpty(timeout);
    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    return shadows.awaitEmpty(left) && callsDone;
  }

  void close() {
    timer.shutdownNow();
  }

  DispatchStats stats() {
    return new DispatchStats(
        calls.inUse(),
        calls.max(),
        shadows.inUse(),
        shadows.max(),
        lanes.busyLanes(),
        overloaded.sum(),
        shadowDropped.sum(),
        shadowNotSent.sum(),
        shadowTimedOut.sum(),
        sinkFailures.sum());
  }

  String describeBounds() {
    return calls + ", " + shadows;
  }

  /** The two outcomes of a dual-mode call; the sink gets them when both are known. */
  private final class Dual {
    private final Call call;
    private final AtomicReference<Outcome> shadow = new AtomicReference<>();
    private final AtomicInteger missing = new AtomicInteger(2);
    private volatile Outcome authoritative;

    Dual(Call call) {
      this.call = call;
    }

    void authoritative(Outcome outcome) {
      authoritative = outcome;
      if (missing.decrementAndGet() == 0) {
        deliver(call.exchange(outcome, shadow.get()));
      }
    }

    /** Records the shadow outcome if none is yet (a late answer after a timeout is ignored). */
    boolean shadow(Outcome outcome) {
      if (!shadow.compareAndSet(null, outcome)) {
        return false;
      }
      if (missing.decrementAndGet() == 0) {
        deliver(call.exchange(authoritative, outcome));
      }
      return true;
    }
  }
}
