package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.flags.Mode;
import java.time.Instant;
import java.util.Objects;

/**
 * One dispatched call and both its outcomes, handed to the {@link OutcomeSink} once both are
 * known. In single-backend modes the shadow outcome is {@link Outcome#NOT_CALLED}.
 */
public record Exchange(
    String operation,
    ApiSpec.Kind kind,
    Mode mode,
    JsonNode request,
    String requestId,
    Instant now,
    Outcome authoritative,
    Outcome shadow) {

  public Exchange {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(authoritative, "authoritative");
    Objects.requireNonNull(shadow, "shadow");
  }

  /** The legacy backend's outcome, whichever role it had. */
  public Outcome legacy() {
    return mode.authoritative() == Mode.Backend.LEGACY ? authoritative : shadow;
  }

  /** The new backend's outcome, whichever role it had. */
  public Outcome newer() {
    return mode.authoritative() == Mode.Backend.NEW ? authoritative : shadow;
  }
}
