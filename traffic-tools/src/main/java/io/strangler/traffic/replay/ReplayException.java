package io.strangler.traffic.replay;

/** A user-facing failure of replay or simulate: bad input, an unreachable target. Exit code 1. */
public final class ReplayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReplayException(String message) {
    super(message);
  }

  public ReplayException(String message, Throwable cause) {
    super(message, cause);
  }
}
