package io.strangler.api;

import java.util.Objects;

/** A call that ended in one of the contract's error codes. */
public final class ControlPlaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ControlPlaneException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ControlPlaneException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  public ErrorBody body() {
    return new ErrorBody(code, getMessage());
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
