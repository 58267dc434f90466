package io.strangler.diff.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One call the proxy dispatched to both backends, with what each gave: the diff pipeline's input.
 * Only calls of a dual mode (a shadow was due) are compared; a single-backend call has nothing to
 * compare and is not offered.
 *
 * <p>Outcomes are always given per backend ({@code legacySide}, {@code newSide}), whichever was
 * authoritative. A latency is the backend's answer or error time, null when it did not answer (a
 * timeout or a call never made). {@code shadowDropReason} says why a {@link Observed.Dropped
 * dropped} shadow was not sent, as a short low-cardinality name (the proxy's drop reason); it
 * becomes a metric label.
 *
 * @param api the operation name, e.g. {@code ListMachines}
 * @param mode the API's dispatch mode when the call was made, e.g. {@code SHADOW}
 * @param authoritative the backend whose answer the client got
 * @param request the call's JSON body, for the sample store and the second read
 * @param requestId the call's id: the sampling decision is a pure function of it
 * @param at when the call was made
 */
public record ComparedCall(
    String api,
    CallKind kind,
    String mode,
    Side authoritative,
    JsonNode request,
    String requestId,
    Instant at,
    Observed legacySide,
    Observed newSide,
    Duration legacyLatency,
    Duration newLatency,
    String shadowDropReason) {

  public ComparedCall {
    requireText(api, "api");
    Objects.requireNonNull(kind, "kind");
    requireText(mode, "mode");
    Objects.requireNonNull(authoritative, "authoritative");
    Objects.requireNonNull(request, "request");
    requireText(requestId, "requestId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(legacySide, "legacySide");
    Objects.requireNonNull(newSide, "newSide");
    requireLatency(legacyLatency, "legacyLatency");
    requireLatency(newLatency, "newLatency");
    Observed primary = authoritative == Side.LEGACY ? legacySide : newSide;
    if (primary instanceof Observed.Dropped) {
      throw new IllegalArgumentException(
          "the authoritative side ("
              + authoritative
              + ") of "
              + api
              + " call "
              + requestId
              + " cannot be Dropped: a call whose authoritative call was never made has nothing to"
              + " compare; do not offer it");
    }
  }

  /** Both outcomes, as the engine takes them. */
  public Observations observations() {
    return new Observations(legacySide, newSide);
  }

  /** The latency of {@code side}, or null. */
  public Duration latency(Side side) {
    return side == Side.LEGACY ? legacyLatency : newLatency;
  }

  public static Builder builder() {
    return new Builder();
  }

  private static void requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  private static void requireLatency(Duration latency, String name) {
    if (latency != null && latency.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + latency);
    }
  }

  /** Names every field, so that the two outcomes and the two latencies cannot be swapped. */
  public static final class Builder {
    private String api;
    private CallKind kind;
    private String mode;
    private Side authoritative;
    private JsonNode request;
    private String requestId;
    private Instant at;
    private Observed legacySide;
    private Observed newSide;
    private Duration legacyLatency;
    private Duration newLatency;
    private String shadowDropReason;

    private Builder() {}

    public Builder api(String api) {
      this.api = api;
      return this;
    }

    public Builder kind(CallKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder mode(String mode) {
      this.mode = mode;
      return this;
    }

    public Builder authoritative(Side authoritative) {
      this.authoritative = authoritative;
      return this;
    }

    public Builder request(JsonNode request) {
      this.request = request;
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    public Builder at(Instant at) {
      this.at = at;
      return this;
    }

    /** The legacy backend's outcome and latency (null when it did not answer). */
    public Builder legacy(Observed outcome, Duration latency) {
      this.legacySide = outcome;
      this.legacyLatency = latency;
      return this;
    }

    /** The new backend's outcome and latency (null when it did not answer). */
    public Builder newer(Observed outcome, Duration latency) {
      this.newSide = outcome;
      this.newLatency = latency;
      return this;
    }

    public Builder shadowDropReason(String reason) {
      this.shadowDropReason = reason;
      return this;
    }

    /**
     * @throws NullPointerException naming a missing field
     * @throws IllegalArgumentException if a field is invalid
     */
    public ComparedCall build() {
      return new ComparedCall(
          api,
          kind,
          mode,
          authoritative,
          request,
          requestId,
          at,
          legacySide,
          newSide,
          legacyLatency,
          newLatency,
          shadowDropReason);
    }
  }
}
