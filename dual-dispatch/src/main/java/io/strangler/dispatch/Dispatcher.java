package io.strangler.dispatch;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.strangler.flags.Mode;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one prepared call to the backends its mode names and reports the outcomes; knows nothing of
 * HTTP. Backend calls block, so they run on two pools of platform threads, never on the caller's
 * network thread: one for authoritative calls (at most {@code maxInFlightCalls} running or queued)
 * and one for shadow calls (at most the shadow budget running or queued). A bound that is full is
 * an answer (503, or a dropped shadow), never a wait.
 *
 * <p>Platform threads rather than virtual ones: a blocking socket read parks a platform thread in
 * the kernel, while a virtual thread goes through the JDK's poller and back through its scheduler;
 * on the request path those extra hand-offs cost a measurable share of throughput.
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
  private final HashedWheelTimer timer;
  private final ThreadPoolExecutor callPool;
  private final ThreadPoolExecutor shadowPool;

  private final LongAdder overloaded = new LongAdder();
  private final LongAdder shadowDropped = new LongAdder();
  private final LongAdder shadowNotSent = new LongAdder();
  private final LongAdder shadowTimedOut = new LongAdder();
  private final LongAdder sinkFailures = new LongAdder();
  private final RateLimitedLog backendErrors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private final RateLimitedLog sinkErrors = new RateLimitedLog(log, Duration.ofSeconds(10));

  Dispatcher(
      Backend legacy,
      Backend newer,
      OutcomeSink sink,
      int maxInFlightCalls,
      int callThreads,
      int shadowBudget,
      int shadowThreads) {
    this.legacy = legacy;
    this.newer = newer;
    this.sink = sink;
    this.calls = new Permits("authoritative calls", maxInFlightCalls);
    this.shadows = new Permits("shadow budget", shadowBudget);
    // The permits bound what is queued; the queues are as deep as the permits (plus the lane
    // runners, at most one per queued call), so the pools never reject while running.
    this.callPool = pool("dispatch-call-", callThreads, maxInFlightCalls);
    this.shadowPool =
        pool(
            "dispatch-shadow-",
            shadowThreads,
            (int) Math.min(Integer.MAX_VALUE, 2L * shadowBudget + maxInFlightCalls));
    this.lanes = new SerialLanes(shadowPool);
    // A timing wheel: one timeout per shadow call, set and cancelled in O(1) without a lock;
    // a timeout may fire up to one 10 ms tick late.
    this.timer =
        new HashedWheelTimer(
            Thread.ofPlatform().name("dispatch-shadow-timer").daemon(true).factory(),
            10,
            TimeUnit.MILLISECONDS,
            512);
  }

  private static ThreadPoolExecutor pool(String prefix, int threads, int queue) {
    ThreadFactory names = Thread.ofPlatform().name(prefix, 0).daemon(true).factory();
    ThreadPoolExecutor p =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(queue),
            names,
            new ThreadPoolExecutor.AbortPolicy());
    // Started now: creating a thread inside execute() would cost the caller (a network thread).
    p.prestartAllCoreThreads();
    return p;
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
      callPool.execute(task);
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
        try {
          responder.respond(call, outcome, backend.name());
        } catch (RuntimeException e) {
          // The connection's event loop is gone (shutdown): the outcome is still reported.
          log.debug("could not answer {}", call.stamp().requestId(), e);
        }
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
      shadowPool.execute(task);
    }
  }

  private void runShadow(Call call, Dual dual, Mode.Backend side) {
    try {
      Duration timeout = call.route().shadowTimeout();
      Timeout deadline = scheduleTimeout(dual, timeout);
      Outcome outcome = invoke(backend(side), call);
      if (deadline != null) {
        deadline.cancel();
      }
      dual.shadow(outcome);
    } finally {
      // Released only now, even after a timeout: the budget bounds calls really in flight.
      shadows.release();
    }
  }

  private Timeout scheduleTimeout(Dual dual, Duration timeout) {
    try {
      return timer.newTimeout(
          t -> {
            if (dual.shadow(new Outcome.TimedOut(timeout))) {
              shadowTimedOut.increment();
            }
          },
          timeout.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (IllegalStateException e) {
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
    timer.stop();
    callPool.shutdownNow();
    shadowPool.shutdownNow();
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
