package io.strangler.cutover;

import java.time.Instant;
import java.util.Objects;

/**
 * The last drift scan of one API's entities: when it finished and how many differences it found.
 */
public record DriftScan(Instant at, long differences) {
  public DriftScan {
    Objects.requireNonNull(at, "at");
  }
}
