package io.strangler.dispatch;

import java.util.Objects;

/**
 * A request the proxy refuses before calling any backend, with the error the client gets:
 * {@code {"code": ..., "message": ...}} and an HTTP status. Thrown by {@link ApiSpec#prepare}; it
 * is an expected answer, not a fault, so it carries no stack trace.
 */
public final class BadRequest extends Exception {
  private final String code;
  private final int httpStatus;

  public BadRequest(String code, int httpStatus, String message) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.code = Objects.requireNonNull(code, "code");
    if (httpStatus < 400 || httpStatus > 499) {
      throw new IllegalArgumentException("a bad request answers 4xx, got " + httpStatus);
    }
    this.httpStatus = httpStatus;
  }

  /** {@code INVALID_ARGUMENT}, 400. */
  public static BadRequest invalid(String message) {
    return new BadRequest(ErrorCodes.INVALID_ARGUMENT, 400, message);
  }

  public static BadRequest missingField(String field) {
    return invalid("missing required field '" + field + "'");
  }

  public static BadRequest wrongType(String field, String expected) {
    return invalid("field '" + field + "' must be " + expected);
  }

  public String code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
