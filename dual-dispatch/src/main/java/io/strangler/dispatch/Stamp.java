package io.strangler.dispatch;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What the proxy stamps on a call, once, for both backends: the request id and the proxy's
 * current time, so one call applied to two backends in the same state gives the same answer.
 * {@code now} is truncated to milliseconds, the precision both kinds of store keep.
 */
public record Stamp(String requestId, Instant now) {
  public Stamp {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(now, "now");
    if (requestId.isBlank()) {
      throw new IllegalArgumentException("requestId must not be blank");
    }
    now = now.truncatedTo(ChronoUnit.MILLIS);
  }
}
