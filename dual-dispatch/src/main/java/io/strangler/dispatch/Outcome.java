package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What became of one call on one backend, as a value: answered, failed, timed out, dropped before
 * it was sent, or not called at all (the shadow of a single-backend mode).
 */
public sealed interface Outcome {

  /** A short, low-cardinality name for counters and metric labels. */
  String label();

  /**
   * The backend answered. Its JSON tree ({@link #body()}) is made on first use when the backend
   * handed over its own answer object ({@link Reply#ok(Object,
   * com.fasterxml.jackson.databind.ObjectMapper)}); {@link #bytes()} writes the client's answer.
   */
  final class Answer implements Outcome {
    private final Reply.Ok reply;
    private final Duration latency;

    public Answer(JsonNode body, Duration latency) {
      this(new Reply.Ok(body), latency);
    }

    public Answer(Reply.Ok reply, Duration latency) {
      this.reply = Objects.requireNonNull(reply, "reply");
      this.latency = Objects.requireNonNull(latency, "latency");
    }

    public JsonNode body() {
      return reply.body();
    }

    /** The answer as the client gets it. */
    public byte[] bytes() {
      return reply.bytes();
    }

    public Duration latency() {
      return latency;
    }

    /**
     * True if {@code other} is the same document: the same JSON text (no tree built) or, failing
     * that, equal trees.
     */
    public boolean sameAnswer(Answer other) {
      return Arrays.equals(bytes(), other.bytes()) || body().equals(other.body());
    }

    @Override
    public String label() {
      return "answer";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Answer other
          && reply.equals(other.reply)
          && latency.equals(other.latency);
    }

    @Override
    public int hashCode() {
      return 31 * reply.hashCode() + latency.hashCode();
    }

    @Override
    public String toString() {
      return "Answer[body=" + body() + ", latency=" + latency + "]";
    }
  }

  /** The backend answered an error (or threw, which counts as {@code INTERNAL}). */
  record Failure(String code, int httpStatus, String message, Duration latency) implements Outcome {
    public Failure {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(latency, "latency");
    }

    @Override
    public String label() {
      return "failure";
    }
  }

  /**
   * The backend did not answer in time: a shadow call past its timeout, or an authoritative call
   * still running at the call's deadline (the client was answered 503 then; the late result, if
   * any, is what the sink gets instead). A late shadow answer is not reported.
   */
  record TimedOut(Duration after) implements Outcome {
    public TimedOut {
      Objects.requireNonNull(after, "after");
    }

    @Override
    public String label() {
      return "timed_out";
    }
  }

  /** The call was due but never sent. */
  record Dropped(DropReason reason) implements Outcome {
    public Dropped {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String label() {
      return reason.label;
    }
  }

  /** The mode calls one backend only: there is no shadow outcome. */
  record NotCalled() implements Outcome {
    @Override
    public String label() {
      return "not_called";
    }
  }

  Outcome NOT_CALLED = new NotCalled();

  /** Why a call was not sent. */
  enum DropReason {
    /** The shadow budget (calls in flight or queued) was full. */
    SHADOW_BUDGET_FULL,
    /** A write failed on the authoritative backend, so its shadow write is not sent. */
    AUTHORITATIVE_FAILED,
    /** The proxy had its maximum of authoritative calls in flight. */
    OVERLOADED,
    /**
     * The call was still queued at its deadline (an authoritative call: the call's deadline; a
     * shadow call: the shadow deadline), so it was never run.
     */
    DEADLINE_EXCEEDED;

    private final String label = "dropped_" + name().toLowerCase(Locale.ROOT);

    public String label() {
      return label;
    }
  }
}
