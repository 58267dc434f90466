package io.strangler.flags;

import java.time.Instant;
import java.util.Objects;

/** A problem a flag source ran into (a bad flags file, an unreachable Unleash) and when. */
public record FlagsError(String message, Instant at) {
  public FlagsError {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(at, "at");
  }
}
