package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlPlane;
import io.strangler.api.DiffRulesFile;
import io.strangler.api.Operation;
import io.strangler.diff.Classification;
import io.strangler.diff.Classifier;
import io.strangler.diff.DiffRules;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Recheck;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.CallKind;
import io.strangler.diff.report.Rereader;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.PendingShadowWrites;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import io.strangler.flags.Mode;
import io.strangler.proxy.ControlApiBinding;
import io.strangler.proxy.DiffWiring;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Both backends in this process, each call applied to both with the same {@link Stamp} (the
 * recorded request id and time, so one call gives both the same ids and times it had when
 * recorded), compared with the diff reporter's {@link Classifier} and bundled rules. As the proxy
 * does: the side the recorded mode made authoritative goes first, and a write it refuses is not
 * sent to the other side; shadow calls are ordered by the entities they touch ({@link
 * ShadowOrder}); a call that differs is read again from both, as the proxy's diff reporter does (a
 * RACE check: up to {@link #RECHECK_ATTEMPTS} times, the k-th after {@code 10 ms × 2^(k-1)}; a
 * write through its read back, when it has one).
 *
 * <p>Repairs as {@code serve} does (docs/convergence.md, "Repairs in the proxy"), when opened with
 * a {@link RepairWiring}: a write whose shadow failed or answered otherwise is journaled with the
 * entities it touched, and the repairer copies them from the authoritative store; an API whose
 * journal lost entries gets its automatic drift scan. So in-process and proxy runs converge the
 * same way.
 */
public final class InProcessTarget implements Target {
  private static final ApiRegistry APIS = ControlApiBinding.registry();

  /** Second reads of one differing call at most. */
  static final int RECHECK_ATTEMPTS = 4;

  private static final long RECHECK_DELAY_NANOS = 10_000_000L;
  private final ControlPlane legacyPlane;
  private final ControlPlane newPlane;
  private final Backend legacy;
  private final Backend newer;
  private final Classifier classifier;
  private final Rereader rereader;
  private final Clock clock;
  private final String description;
  private final OutcomeSink journal;
  private final AutoCloseable repairs;
  private final SidesSeen sides;
  private final ShadowOrder order = new ShadowOrder();

  /** Takes ownership of both planes; {@code clock} stamps calls that have no recorded time. */
  public InProcessTarget(ControlPlane legacy, ControlPlane newer, Clock clock, String description) {
    this(legacy, newer, clock, description, OutcomeSink.noop(), () -> {}, new SidesSeen());
  }

  /**
   * The side every write so far made authoritative, for a drift scan to copy from: legacy before
   * any, null once writes of both sides were seen.
   */
  static final class SidesSeen implements Supplier<io.strangler.convergence.Side> {
    private final AtomicInteger seen = new AtomicInteger();

    void saw(Side side) {
      int bit = side == Side.LEGACY ? 1 : 2;
      if ((seen.get() & bit) == 0) {
        seen.getAndUpdate(v -> v | bit);
      }
    }

    @Override
    public io.strangler.convergence.Side get() {
      return switch (seen.get()) {
        case 0, 1 -> io.strangler.convergence.Side.LEGACY;
        case 2 -> io.strangler.convergence.Side.NEW;
        default -> null;
      };
    }
  }

  /**
   * As above, with the writes to repair given to {@code journal}; {@code repairs} is closed last
   * (after both planes), with what it owns.
   */
  InProcessTarget(
      ControlPlane legacy,
      ControlPlane newer,
      Clock clock,
      String description,
      OutcomeSink journal,
      AutoCloseable repairs,
      SidesSeen sides) {
    this.sides = sides;
    this.journal = journal;
    this.repairs = repairs;
    this.legacyPlane = legacy;
    this.newPlane = newer;
    this.legacy = ControlApiBinding.backend(legacy);
    this.newer = ControlApiBinding.backend(newer);
    this.classifier = new Classifier(DiffRules.load(DiffRulesFile.url()));
    this.clock = clock;
    this.description = description;
    PendingShadowWrites placed = (key, backend) -> order.pending(key);
    this.rereader = DiffWiring.rereader(APIS, this.legacy, this.newer, clock, () -> placed);
  }

  /** The order of this target's shadow calls. */
  ShadowOrder order() {
    return order;
  }

  /** What repairs for this target, closed with it. */
  AutoCloseable repairs() {
    return repairs;
  }

  @Override
  public String describe() {
    return description;
  }

  /** The side a recorded mode made authoritative: the new backend in NEW_PRIMARY and NEW_ONLY. */
  static Side authoritative(String mode) {
    if (mode == null) {
      return Side.LEGACY;
    }
    try {
      return Mode.parse(mode).authoritative() == Mode.Backend.NEW ? Side.NEW : Side.LEGACY;
    } catch (IllegalArgumentException e) {
      return Side.LEGACY;
    }
  }

  private record Timed(Observed observed, Answer answer, Duration latency, Outcome outcome) {}

  @Override
  public CallResult call(ReadyCall ready) {
    long start = System.nanoTime();
    TrafficCall call = ready.call();
    if (ready.refused() != null) {
      BadRequest r = ready.refused();
      return new CallResult(
          new Answer.Failed(r.httpStatus(), r.code(), r.getMessage()),
          Duration.ofNanos(System.nanoTime() - start),
          null);
    }
    Stamp stamp = new Stamp(call.requestId(), call.time() != null ? call.time() : clock.instant());
    boolean write = Operation.byName(call.operation()).map(Operation::isWrite).orElse(true);
    Side side = authoritative(call.mode());
    Backend primary = side == Side.LEGACY ? legacy : newer;
    Backend shadow = side == Side.LEGACY ? newer : legacy;
    Timed first = ask(primary, call.operation(), ready.prepared(), stamp);
    Timed second;
    if (write && !(first.observed() instanceof Observed.Answer)) {
      second = new Timed(new Observed.Dropped(), null, null, Outcome.NOT_CALLED);
    } else {
      ShadowOrder.Place place =
          write
              ? order.write(orderingKeys(call.operation(), ready.prepared(), first))
              : order.read(ready.prepared().entityKey());
      try {
        second =
            ask(
                shadow,
                call.operation(),
                shadowRequest(write, call.operation(), ready.prepared(), first),
                stamp);
      } finally {
        order.leave(place);
      }
    }
    Duration latency = Duration.ofNanos(System.nanoTime() - start);
    if (write) {
      sides.saw(side);
      journal(call.operation(), side, ready, stamp, first, second);
    }
    Timed l = side == Side.LEGACY ? first : second;
    Timed n = side == Side.LEGACY ? second : first;
    Observations observed = new Observations(l.observed(), n.observed());
    Classification c = classifier.classify(call.operation(), side, observed, Recheck.NONE);
    if (c.verdict() == Verdict.MISMATCH
        && rereader.rereads(call.operation(), write ? CallKind.WRITE : CallKind.READ)) {
      c = recheck(call, ready, side, observed, first, c);
    }
    return new CallResult(
        first.answer(), latency, new CallResult.Compared(c, l.latency(), n.latency()));
  }

  /** Offers the write to the repair journal, as the proxy's outcome sink does. */
  private void journal(
      String operation, Side side, ReadyCall ready, Stamp stamp, Timed first, Timed second) {
    journal.accept(
        new Exchange(
            operation,
            ApiSpec.Kind.WRITE,
            side == Side.LEGACY ? Mode.SHADOW : Mode.NEW_PRIMARY,
            ready.prepared().body(),
            stamp.requestId(),
            stamp.now(),
            first.outcome(),
            second.outcome()));
  }

  /**
   * Reads a differing call again, with growing pauses, until both sides agree or attempts run out.
   */
  private Classification recheck(
      TrafficCall call,
      ReadyCall ready,
      Side side,
      Observations observed,
      Timed first,
      Classification c) {
    JsonNode answer = first.observed() instanceof Observed.Answer a ? a.body() : null;
    for (int attempt = 1; attempt <= RECHECK_ATTEMPTS; attempt++) {
      LockSupport.parkNanos(RECHECK_DELAY_NANOS << (attempt - 1));
      Optional<Observations> again =
          rereader.reread(call.operation(), ready.prepared().body(), answer);
      if (again.isEmpty()) {
        return c;
      }
      c = classifier.classify(call.operation(), side, observed, () -> again);
      if (c.verdict() == Verdict.RACE) {
        return c;
      }
    }
    return c;
  }

  /** What a write's shadow call is ordered by, as the proxy names it (ApiSpec.orderingKeys). */
  private static Collection<String> orderingKeys(
      String operation, Prepared prepared, Timed authoritative) {
    if (!(authoritative.observed() instanceof Observed.Answer a)) {
      return List.of(prepared.entityKey());
    }
    try {
      Collection<String> keys =
          APIS.find(operation).map(spec -> spec.orderingKeys(prepared, a.body())).orElse(List.of());
      return keys.isEmpty() ? List.of(prepared.entityKey()) : keys;
    } catch (RuntimeException e) {
      return List.of(prepared.entityKey());
    }
  }

  /** As the proxy derives it: a write's shadow may carry the authoritative decision (ApiSpec). */
  private static Prepared shadowRequest(
      boolean write, String operation, Prepared prepared, Timed authoritative) {
    if (!write || !(authoritative.observed() instanceof Observed.Answer a)) {
      return prepared;
    }
    return APIS.find(operation)
        .map(spec -> spec.shadowRequest(prepared, a.body()))
        .orElse(prepared);
  }

  private static Timed ask(Backend backend, String operation, Prepared prepared, Stamp stamp) {
    long start = System.nanoTime();
    Reply reply;
    try {
      reply = backend.call(operation, prepared, stamp);
    } catch (RuntimeException e) {
      reply = Reply.failed("INTERNAL", 500, backend.name() + " failed: " + e);
    }
    Duration latency = Duration.ofNanos(System.nanoTime() - start);
    return switch (reply) {
      case Reply.Ok ok ->
          new Timed(
              new Observed.Answer(ok.body()),
              new Answer.Ok(ok.body()),
              latency,
              new Outcome.Answer(ok, latency));
      case Reply.Failed f ->
          new Timed(
              new Observed.Failure(f.code(), f.message()),
              new Answer.Failed(f.httpStatus(), f.code(), f.message()),
              latency,
              new Outcome.Failure(f.code(), f.httpStatus(), f.message(), latency));
    };
  }

  @Override
  public void close() {
    try {
      legacyPlane.close();
      newPlane.close();
    } finally {
      try {
        repairs.close();
      } catch (Exception e) {
        throw new ReplayException("cannot close the in-process repairs: " + e.getMessage(), e);
      }
    }
  }
}
