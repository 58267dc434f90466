package io.strangler.cli;

/** A failure the user can act on: printed as is, without a stack trace, exit code 1. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message, null, false, false);
  }
}
