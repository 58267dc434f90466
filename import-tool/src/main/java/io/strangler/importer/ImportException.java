package io.strangler.importer;

/**
 * Why an import stopped with nothing changed; becomes an {@link ImportOutcome.Failed}. Internal:
 * the public API answers with outcomes, not exceptions.
 */
final class ImportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ImportOutcome.FailureKind kind;

  ImportException(ImportOutcome.FailureKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  ImportOutcome.FailureKind kind() {
    return kind;
  }

  static ImportException badInput(String message, Throwable cause) {
    return new ImportException(ImportOutcome.FailureKind.BAD_INPUT, message, cause);
  }

  static ImportException unavailable(String message, Throwable cause) {
    return new ImportException(ImportOutcome.FailureKind.UNAVAILABLE, message, cause);
  }

  static ImportException notEmpty(String message) {
    return new ImportException(ImportOutcome.FailureKind.TARGET_NOT_EMPTY, message, null);
  }

  static ImportException notLegacy(String message) {
    return new ImportException(ImportOutcome.FailureKind.NOT_LEGACY, message, null);
  }

  static ImportException tooManyRejects(String message) {
    return new ImportException(ImportOutcome.FailureKind.TOO_MANY_REJECTS, message, null);
  }

  static ImportException database(String message, Throwable cause) {
    return new ImportException(ImportOutcome.FailureKind.DATABASE, message, cause);
  }
}
