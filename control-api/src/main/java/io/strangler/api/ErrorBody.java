package io.strangler.api;

import java.util.Objects;

/** The error JSON of the contract: {@code {"code": "...", "message": "..."}}. */
public record ErrorBody(ErrorCode code, String message) {
  public ErrorBody {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }
}
