package io.strangler.api;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What the caller stamps on every call. Backends take the current time and every generated id from
 * here and never from their own clock or random source, so one call applied to two backends in the
 * same state yields the same JSON.
 *
 * <p>{@code now} is truncated to milliseconds: both stores keep millisecond precision, and a finer
 * instant would round-trip differently through Redis strings and PostgreSQL timestamps.
 */
public record CallContext(String requestId, Instant now) {
  public CallContext {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(now, "now");
    if (requestId.isBlank()) {
      throw new IllegalArgumentException("requestId must not be blank");
    }
    now = now.truncatedTo(ChronoUnit.MILLIS);
  }

  public static CallContext of(String requestId, Instant now) {
    return new CallContext(requestId, now);
  }
}
