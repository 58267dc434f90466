package io.strangler.api;

/** The one error model both backends answer with. */
public enum ErrorCode {
  INVALID_ARGUMENT(400),
  NOT_FOUND(404),
  ALREADY_EXISTS(409),
  FAILED_PRECONDITION(412),
  UNAVAILABLE(503),
  INTERNAL(500);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /** The HTTP status the proxy answers with for this code. */
  public int httpStatus() {
    return httpStatus;
  }
}
