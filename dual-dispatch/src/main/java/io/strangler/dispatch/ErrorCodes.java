package io.strangler.dispatch;

/**
 * The error codes the proxy itself answers with, the same names as the API contract's. Backends
 * may answer any code through {@link Reply.Failed}.
 */
public final class ErrorCodes {
  public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
  public static final String NOT_FOUND = "NOT_FOUND";
  public static final String UNAVAILABLE = "UNAVAILABLE";
  public static final String INTERNAL = "INTERNAL";
  /** Admin port only: no or a wrong bearer token. */
  public static final String UNAUTHENTICATED = "UNAUTHENTICATED";

  private ErrorCodes() {}
}
