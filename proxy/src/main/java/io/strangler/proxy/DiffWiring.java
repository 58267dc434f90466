package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.report.CallKind;
import io.strangler.diff.report.ComparedCall;
import io.strangler.diff.report.DiffPipeline;
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
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Feeds the proxy's exchanges to the diff reporter: the conversion of one dual call into a {@link
 * ComparedCall}, and the second read of a mismatching read from both backends (the RACE check). The
 * proxy and the diff reporter do not know each other; this is where they meet.
 */
public final class DiffWiring {
  private DiffWiring() {}

  /**
   * The proxy's sink into {@code pipeline}: each dual call that {@link #compared} turns into a
   * {@link ComparedCall}, built only once the pipeline's sampling has kept it.
   */
  public static OutcomeSink sink(DiffPipeline pipeline) {
    return e -> {
      if (comparable(e) && pipeline.admits(e.operation(), e.requestId())) {
        pipeline.offer(build(e));
      }
    };
  }

  /**
   * The call to compare, or empty for a single-backend call or one whose authoritative side was
   * never made.
   */
  public static Optional<ComparedCall> compared(Exchange e) {
    return comparable(e) ? Optional.of(build(e)) : Optional.empty();
  }

  private static boolean comparable(Exchange e) {
    return e.mode().isDual()
        && !(e.authoritative() instanceof Outcome.Dropped)
        && !(e.authoritative() instanceof Outcome.NotCalled);
  }

  private static ComparedCall build(Exchange e) {
    ComparedCall.Builder b =
        ComparedCall.builder()
            .api(e.operation())
            .kind(e.kind() == ApiSpec.Kind.READ ? CallKind.READ : CallKind.WRITE)
            .mode(e.mode().name())
            .authoritative(e.mode().authoritative() == Mode.Backend.LEGACY ? Side.LEGACY : Side.NEW)
            .request(e.request())
            .requestId(e.requestId())
            .at(e.now())
            .legacy(observed(e.legacy()), latency(e.legacy()))
            .newer(observed(e.newer()), latency(e.newer()));
    if (e.shadow() instanceof Outcome.Dropped d) {
      b.shadowDropReason(d.reason().name());
    }
    return b.build();
  }

  static Observed observed(Outcome o) {
    return switch (o) {
      case Outcome.Answer a -> Observed.Answer.ofJson(a.bytes(), a::body);
      case Outcome.Failure f -> new Observed.Failure(f.code(), f.message());
      case Outcome.TimedOut t -> new Observed.TimedOut();
      case Outcome.Dropped d -> new Observed.Dropped();
      case Outcome.NotCalled n -> new Observed.Dropped();
    };
  }

  private static Duration latency(Outcome o) {
    return switch (o) {
      case Outcome.Answer a -> a.latency();
      case Outcome.Failure f -> f.latency();
      default -> null;
    };
  }

  /**
   * Reads a call again from both backends, with a fresh stamp: a read as it is, a write through its
   * read back ({@link ControlApiReadBacks}) when it has one. Runs on the diff reporter's recheck
   * threads, never on the proxy's.
   */
  public static io.strangler.diff.report.Rereader rereader(
      ApiRegistry apis, Backend legacy, Backend newer, Clock clock) {
    return rereader(apis, legacy, newer, clock, () -> PendingShadowWrites.NONE);
  }

  /** The longest a second read waits for the shadow calls of its entity still in the proxy. */
  static final Duration QUIET_WAIT = Duration.ofMillis(100);

  /**
   * As above, and each second read waits (at most {@link #QUIET_WAIT}) until the proxy holds no
   * shadow call of the read's entity, to either backend: a read of a busy entity (a cluster's
   * machines) otherwise compares the authoritative store with a shadow store still applying the
   * writes queued for it, and the rechecks run out before the two meet. {@code lanes} is read at
   * each recheck, since the proxy that answers it starts after the pipeline.
   */
  public static io.strangler.diff.report.Rereader rereader(
      ApiRegistry apis,
      Backend legacy,
      Backend newer,
      Clock clock,
      Supplier<PendingShadowWrites> lanes) {
    AtomicLong seq = new AtomicLong();
    return new io.strangler.diff.report.Rereader() {
      @Override
      public boolean rereads(String api, CallKind kind) {
        return kind == CallKind.READ || ControlApiReadBacks.readsBack(api);
      }

      @Override
      public Optional<Observations> reread(String api, JsonNode request) {
        return read(api, request, UnaryOperator.identity());
      }

      @Override
      public Optional<Observations> reread(String api, JsonNode request, JsonNode answer) {
        if (apis.find(api).map(s -> s.kind() == ApiSpec.Kind.READ).orElse(false)) {
          return reread(api, request);
        }
        return ControlApiReadBacks.of(api, answer)
            .flatMap(back -> read(back.operation(), back.request(), back.project()));
      }

      private Optional<Observations> read(
          String api, JsonNode request, UnaryOperator<JsonNode> project) {
        Optional<ApiSpec> spec = apis.find(api);
        if (spec.isEmpty()) {
          return Optional.empty();
        }
        Prepared prepared;
        try {
          prepared = spec.get().prepare(request);
        } catch (BadRequest e) {
          return Optional.empty();
        }
        awaitQuiet(lanes.get(), prepared.entityKey());
        Stamp stamp = new Stamp("recheck-" + seq.incrementAndGet(), clock.instant());
        return Optional.of(
            new Observations(
                projected(ask(legacy, api, prepared, stamp), project),
                projected(ask(newer, api, prepared, stamp), project)));
      }
    };
  }

  private static void awaitQuiet(PendingShadowWrites lanes, String key) {
    long until = System.nanoTime() + QUIET_WAIT.toNanos();
    while ((lanes.pending(key, Mode.Backend.LEGACY) || lanes.pending(key, Mode.Backend.NEW))
        && System.nanoTime() - until < 0) {
      LockSupport.parkNanos(QUIET_POLL_NANOS);
    }
  }

  private static final long QUIET_POLL_NANOS = 2_000_000L;

  private static Observed projected(Observed o, UnaryOperator<JsonNode> project) {
    if (!(o instanceof Observed.Answer a)) {
      return o;
    }
    JsonNode part = project.apply(a.body());
    return part == null
        ? new Observed.Failure("NOT_FOUND", "not in the read back")
        : new Observed.Answer(part);
  }

  private static Observed ask(Backend backend, String api, Prepared prepared, Stamp stamp) {
    Reply reply;
    try {
      reply = backend.call(api, prepared, stamp);
    } catch (RuntimeException e) {
      return new Observed.Failure("INTERNAL", String.valueOf(e));
    }
    return switch (reply) {
      case Reply.Ok ok -> Observed.Answer.ofJson(ok.bytes(), ok::body);
      case Reply.Failed f -> new Observed.Failure(f.code(), f.message());
    };
  }
}
