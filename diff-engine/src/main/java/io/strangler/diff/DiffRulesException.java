package io.strangler.diff;

/**
 * A rules file that cannot be used. The message names the file, the API (or {@code defaults}), the
 * option and the pattern at fault, and says what is expected instead.
 */
public final class DiffRulesException extends IllegalArgumentException {
  DiffRulesException(String message) {
    super(message);
  }

  DiffRulesException(String message, Throwable cause) {
    super(message, cause);
  }
}
