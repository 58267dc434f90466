package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.strangler.common.RateLimitedLog;
import io.strangler.flags.Mode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Deadlines: every call has one ({@link Call#deadline}). A timer answers the client at the
 * deadline whatever the backend does; a call that has not started by then is never run (it is
 * checked when it starts), and a call still running has its late result reported to the sink only.
 * A shadow call that waited longer than the shadow deadline is not run either ({@code
 * Dropped(DEADLINE_EXCEEDED)}).
 *
 * <p>Bulkheads: each backend has an authoritative and a shadow instance ({@link Backends}), which
 * may hold separate connection pools, and each role its own thread pool, so a stalled shadow store
 * cannot take the threads or connections of the authoritative side.
 *
 * <p>What a mode does beside its authoritative call is a {@link Shadowing} object, one per mode:
 * the single-backend modes get one that does nothing, so the call path has no mode branches.
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** What the dispatcher needs of one operation, resolved once at start. */
  record Route(ApiSpec spec, Duration shadowTimeout, Duration deadline) {
    String name() {
      return spec.name();
    }

    boolean isWrite() {
      return spec.kind() == ApiSpec.Kind.WRITE;
    }
  }

  /** One call to dispatch; {@code deadline} is its whole budget, counted from dispatch. */
  record Call(Route route, Prepared prepared, Stamp stamp, Mode mode, Duration deadline) {
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

  /**
   * The backend instances of each side, one for authoritative calls and one for shadow calls (the
   * same instance when the side has no separate shadow pool).
   */
  record Backends(Backend legacy, Backend legacyShadow, Backend newer, Backend newerShadow) {
    Backend authoritative(Mode.Backend side) {
      return side == Mode.Backend.LEGACY ? legacy : newer;
    }

    Backend shadow(Mode.Backend side) {
      return side == Mode.Backend.LEGACY ? legacyShadow : newerShadow;
    }
  }

  /** Hands the authoritative outcome to the client; must not block. */
  @FunctionalInterface
  interface Responder {
    void respond(Call call, Outcome authoritative, String backend);
  }

  private final Backends backends;
  private final OutcomeSink sink;
  private final Permits calls;
  private final Permits shadows;
  private final SerialLanes lanes;
  private final HashedWheelTimer timer;
  private final ThreadPoolExecutor callPool;
  private final ThreadPoolExecutor shadowPool;
  private final long shadowDeadlineNanos;
  private final Map<Mode, Shadowing> shadowings = new EnumMap<>(Mode.class);

  private final LongAdder overloaded = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final LongAdder deadlineAnswered = new LongAdder();
  private final LongAdder shadowDropped = new LongAdder();
  private final LongAdder shadowNotSent = new LongAdder();
  private final LongAdder shadowTimedOut = new LongAdder();
  private final LongAdder shadowExpired = new LongAdder();
  private final LongAdder sinkFailures = new LongAdder();
  private final RateLimitedLog backendErrors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private final RateLimitedLog sinkErrors = new RateLimitedLog(log, Duration.ofSeconds(10));

  Dispatcher(
      Backends backends,
      OutcomeSink sink,
      int maxInFlightCalls,
      int callThreads,
      int shadowBudget,
      int shadowThreads,
      Duration shadowDeadline) {
    this.backends = backends;
    this.sink = sink;
    this.shadowDeadlineNanos = shadowDeadline.toNanos();
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
    // A timing wheel: one timeout per call (its deadline) and per shadow call, set and cancelled
    // in O(1) without a lock; a timeout may fire up to one 10 ms tick late.
    this.timer =
        new HashedWheelTimer(
            Thread.ofPlatform().name("dispatch-timer").daemon(true).factory(),
            10,
            TimeUnit.MILLISECONDS,
            512);
    for (Mode mode : Mode.values()) {
      shadowings.put(mode, mode.shadow().<Shadowing>map(DualShadow::new).orElse(noShadow));
    }
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

  /** The authoritative instance of a side (the one {@code /readyz} probes). */
  Backend backend(Mode.Backend side) {
    return backends.authoritative(side);
  }

  void dispatch(Call call, Responder responder) {
    Shadowing shadowing = shadowings.get(call.mode());
    if (!calls.tryAcquire()) {
      overloaded.increment();
      Outcome dropped = new Outcome.Dropped(Outcome.DropReason.OVERLOADED);
      responder.respond(call, dropped, "proxy (" + calls + ")");
      deliver(call.exchange(dropped, shadowing.notRun(dropped)));
      return;
    }
    Flight flight = new Flight(call, responder, shadowing);
    flight.deadlineTimer = scheduleDeadline(flight);
    shadowing.beforeAuthoritative(flight);
    Mode.Backend side = call.mode().authoritative();
    if (!lanes.submitIfPending(call.prepared().entityKey(), side, flight)) {
      callPool.execute(flight);
    }
  }

  private void runAuthoritative(Flight flight) {
    Call call = flight.call;
    Backend backend = backends.authoritative(call.mode().authoritative());
    Outcome outcome = null;
    try {
      if (!flight.start()) {
        // Queued past its deadline: the client has been (or is now) told 503; nothing runs.
        expired.increment();
        outcome = new Outcome.Dropped(Outcome.DropReason.DEADLINE_EXCEEDED);
        flight.shadowing.afterAuthoritative(flight, outcome);
        return;
      }
      outcome = invoke(backend, call);
      // A write's shadow write is queued before the client hears back: a client's next write to
      // the entity can then only be queued after this one.
      flight.shadowing.afterAuthoritative(flight, outcome);
    } finally {
      if (outcome == null) {
        outcome =
            new Outcome.Failure(
                ErrorCodes.INTERNAL, 500, backend.name() + " failed", Duration.ZERO);
      }
      try {
        Timeout deadline = flight.deadlineTimer;
        if (deadline != null) {
          deadline.cancel();
        }
        flight.answer(outcome, backend.name());
        flight.shadowing.authoritativeDone(flight, outcome);
      } finally {
        calls.release();
      }
    }
  }

  private Timeout scheduleDeadline(Flight flight) {
    try {
      return timer.newTimeout(
          t -> flight.deadlinePassed(), flight.call.deadline().toNanos(), TimeUnit.NANOSECONDS);
    } catch (IllegalStateException e) {
      return null; // shutting down: the call is waited for instead
    }
  }

  /** Takes a place in the shadow budget; when it is full the shadow is reported dropped. */
  private boolean admitShadow(Flight flight) {
    if (shadows.tryAcquire()) {
      return true;
    }
    shadowDropped.increment();
    flight.shadow(new Outcome.Dropped(Outcome.DropReason.SHADOW_BUDGET_FULL));
    return false;
  }

  /** A read's shadow: the client's request, after any shadow write of its entity still queued. */
  private void startShadowRead(Flight flight, Mode.Backend side) {
    if (!admitShadow(flight)) {
      return;
    }
    String entity = flight.call.prepared().entityKey();
    long queued = System.nanoTime();
    Prepared request = flight.call.prepared();
    Runnable task = () -> runShadow(flight, side, request, queued);
    if (!lanes.submitIfPending(entity, side, task)) {
      shadowPool.execute(task);
    }
  }

  /**
   * A write's shadow: the request the API derives from the client's and the authoritative answer
   * (for example the placement the authoritative backend decided), queued behind every shadow write
   * of every entity it touches, so the shadow store applies writes in the authoritative order.
   */
  private void startShadowWrite(Flight flight, Mode.Backend side, JsonNode answer) {
    if (!admitShadow(flight)) {
      return;
    }
    ApiSpec spec = flight.call.route().spec();
    Prepared prepared = flight.call.prepared();
    Prepared request;
    Collection<String> keys;
    try {
      request = spec.shadowRequest(prepared, answer);
      keys = spec.orderingKeys(prepared, answer);
    } catch (RuntimeException e) {
      // A defect in the API's hooks: the shadow still gets the client's request, in its lane.
      backendErrors.warn("shadow hooks of " + spec.name() + " threw", e);
      request = prepared;
      keys = List.of(prepared.entityKey());
    }
    long queued = System.nanoTime();
    Prepared shadowRequest = request;
    lanes.submit(keys, side, () -> runShadow(flight, side, shadowRequest, queued));
  }

  private void runShadow(Flight flight, Mode.Backend side, Prepared request, long queued) {
    try {
      if (System.nanoTime() - queued > shadowDeadlineNanos) {
        // Waited too long behind a slow shadow store: not sent, and reported so that a repair can
        // tell this write apart from one the shadow refused.
        shadowExpired.increment();
        flight.shadow(new Outcome.Dropped(Outcome.DropReason.DEADLINE_EXCEEDED));
        return;
      }
      Duration timeout = flight.call.route().shadowTimeout();
      Timeout deadline = scheduleTimeout(flight, timeout);
      Outcome outcome = invoke(backends.shadow(side), flight.call, request);
      if (deadline != null) {
        deadline.cancel();
      }
      flight.shadow(outcome);
    } finally {
      // Released only now, even after a timeout: the budget bounds calls really in flight.
      shadows.release();
    }
  }

  private Timeout scheduleTimeout(Flight flight, Duration timeout) {
    try {
      return timer.newTimeout(
          t -> {
            if (flight.shadow(new Outcome.TimedOut(timeout))) {
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
    return invoke(backend, call, call.prepared());
  }

  /**
   * Calls the backend. An answer is written as JSON here, on the backend thread (so that an answer
   * that cannot be written is this call's failure, not a later one's): the client's bytes for an
   * authoritative call, and for a shadow call the text the diff compares with the authoritative one
   * before it builds any tree.
   */
  private Outcome invoke(Backend backend, Call call, Prepared request) {
    long start = System.nanoTime();
    Reply reply;
    try {
      reply = backend.call(call.route().name(), request, call.stamp());
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
      case Reply.Ok ok -> {
        try {
          ok.bytes();
        } catch (RuntimeException e) {
          backendErrors.warn(backend.name() + " answered " + call.route().name() + " badly", e);
          yield new Outcome.Failure(
              ErrorCodes.INTERNAL,
              500,
              backend.name() + " answered what cannot be written as JSON: " + e,
              latency);
        }
        yield new Outcome.Answer(ok, latency);
      }
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

  /** Whether a call of {@code key} to {@code target} waits in its lane or runs. */
  boolean pendingInLane(String key, Mode.Backend target) {
    return lanes.pendingFor(key, target);
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

  /** The dispatcher's counters, with the network side's ({@code connections}) beside them. */
  DispatchStats stats(DispatchStats.Connections connections) {
    return new DispatchStats(
        calls.inUse(),
        calls.max(),
        shadows.inUse(),
        shadows.max(),
        lanes.busyLanes(),
        overloaded.sum(),
        expired.sum(),
        deadlineAnswered.sum(),
        shadowDropped.sum(),
        shadowNotSent.sum(),
        shadowTimedOut.sum(),
        shadowExpired.sum(),
        sinkFailures.sum(),
        connections);
  }

  String describeBounds() {
    return calls + ", " + shadows;
  }

  /**
   * What a mode does beside its authoritative call. One instance per mode, holding no per-call
   * state: {@link NoShadow} for the single-backend modes does nothing (and allocates nothing),
   * {@link DualShadow} sends the shadow call and pairs the two outcomes.
   */
  private abstract static sealed class Shadowing permits NoShadow, DualShadow {
    /** Before the authoritative call is queued (a read's shadow runs alongside it). */
    abstract void beforeAuthoritative(Flight flight);

    /** Once the authoritative call ran, or was dropped (a write's shadow follows it). */
    abstract void afterAuthoritative(Flight flight, Outcome authoritative);

    /**
     * The authoritative outcome is final: report the exchange, now or once the shadow's is known.
     */
    abstract void authoritativeDone(Flight flight, Outcome authoritative);

    /** The shadow outcome of a call that was dropped before anything ran. */
    abstract Outcome notRun(Outcome dropped);
  }

  private final NoShadow noShadow = new NoShadow();

  private final class NoShadow extends Shadowing {
    @Override
    void beforeAuthoritative(Flight flight) {}

    @Override
    void afterAuthoritative(Flight flight, Outcome authoritative) {}

    @Override
    void authoritativeDone(Flight flight, Outcome authoritative) {
      deliver(flight.call.exchange(authoritative, Outcome.NOT_CALLED));
    }

    @Override
    Outcome notRun(Outcome dropped) {
      return Outcome.NOT_CALLED;
    }
  }

  private final class DualShadow extends Shadowing {
    private final Mode.Backend side;

    DualShadow(Mode.Backend side) {
      this.side = side;
    }

    @Override
    void beforeAuthoritative(Flight flight) {
      if (!flight.call.route().isWrite()) {
        startShadowRead(flight, side);
      }
    }

    @Override
    void afterAuthoritative(Flight flight, Outcome authoritative) {
      if (!flight.call.route().isWrite()) {
        return;
      }
      if (authoritative instanceof Outcome.Answer answer) {
        startShadowWrite(flight, side, answer.body());
      } else {
        // A failed (or never run) authoritative write sends no shadow write.
        shadowNotSent.increment();
        flight.shadow(
            authoritative instanceof Outcome.Dropped d
                ? d
                : new Outcome.Dropped(Outcome.DropReason.AUTHORITATIVE_FAILED));
      }
    }

    @Override
    void authoritativeDone(Flight flight, Outcome authoritative) {
      flight.authoritative(authoritative);
    }

    @Override
    Outcome notRun(Outcome dropped) {
      return dropped;
    }
  }

  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int EXPIRED = 2;

  private static final VarHandle STATE;
  private static final VarHandle ANSWERED;
  private static final VarHandle SHADOW;
  private static final VarHandle MISSING;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(Flight.class, "state", int.class);
      ANSWERED = l.findVarHandle(Flight.class, "answered", boolean.class);
      SHADOW = l.findVarHandle(Flight.class, "shadowOutcome", Outcome.class);
      MISSING = l.findVarHandle(Flight.class, "missing", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * One call on its way: the authoritative task itself (queued in the call pool or a lane), whether
   * it has started, whether the client has been answered (by the call or by its deadline), and in
   * dual modes the two outcomes the sink gets together. One object per call in every mode; the
   * shadow fields stay unused in single-backend modes.
   */
  private final class Flight implements Runnable {
    final Call call;
    final Responder responder;
    final Shadowing shadowing;
    final long deadlineAt;
    volatile Timeout deadlineTimer;

    @SuppressWarnings("unused") // through STATE
    private volatile int state = QUEUED;

    @SuppressWarnings("unused") // through ANSWERED
    private volatile boolean answered;

    private volatile Outcome authoritativeOutcome;

    @SuppressWarnings("unused") // through SHADOW
    private volatile Outcome shadowOutcome;

    @SuppressWarnings("unused") // through MISSING
    private volatile int missing = 2;

    Flight(Call call, Responder responder, Shadowing shadowing) {
      this.call = call;
      this.responder = responder;
      this.shadowing = shadowing;
      this.deadlineAt = System.nanoTime() + call.deadline().toNanos();
    }

    @Override
    public void run() {
      runAuthoritative(this);
    }

    /** True if the call may run now; false if its deadline passed while it was queued. */
    boolean start() {
      // The timer may fire up to a tick late: the deadline itself is checked here too.
      if (System.nanoTime() - deadlineAt >= 0) {
        STATE.compareAndSet(this, QUEUED, EXPIRED);
      }
      return STATE.compareAndSet(this, QUEUED, RUNNING);
    }

    /** The timer's half: a queued call is expired (never to run), a running one left to finish. */
    void deadlinePassed() {
      Outcome outcome =
          STATE.compareAndSet(this, QUEUED, EXPIRED)
              ? new Outcome.Dropped(Outcome.DropReason.DEADLINE_EXCEEDED)
              : new Outcome.TimedOut(call.deadline());
      if (ANSWERED.compareAndSet(this, false, true)) {
        deadlineAnswered.increment();
        respond(outcome, backends.authoritative(call.mode().authoritative()).name());
      }
    }

    /** Answers the client unless the deadline already did; false if it had. */
    boolean answer(Outcome outcome, String backend) {
      if (!ANSWERED.compareAndSet(this, false, true)) {
        return false;
      }
      respond(outcome, backend);
      return true;
    }

    private void respond(Outcome outcome, String backend) {
      try {
        responder.respond(call, outcome, backend);
      } catch (RuntimeException e) {
        // The connection's event loop is gone (shutdown): the outcome is still reported.
        log.debug("could not answer {}", call.stamp().requestId(), e);
      }
    }

    void authoritative(Outcome outcome) {
      authoritativeOutcome = outcome;
      if ((int) MISSING.getAndAdd(this, -1) == 1) {
        deliver(call.exchange(outcome, shadowOutcome));
      }
    }

    /** Records the shadow outcome if none is yet (a late answer after a timeout is ignored). */
    boolean shadow(Outcome outcome) {
      if (!SHADOW.compareAndSet(this, null, outcome)) {
        return false;
      }
      if ((int) MISSING.getAndAdd(this, -1) == 1) {
        deliver(call.exchange(authoritativeOutcome, outcome));
      }
      return true;
    }
  }
}
