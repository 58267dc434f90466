package io.strangler.importer;

/** How an import ended: imported (and maybe verified), or failed with nothing changed. */
public sealed interface ImportOutcome {

  /** The process exit code the command answers with. */
  int exitCode();

  /** The backup is in the control plane. {@code verify} is null when not asked for. */
  record Imported(ImportSummary summary, VerifyReport verify) implements ImportOutcome {
    @Override
    public int exitCode() {
      return verify == null || verify.passed() ? 0 : ExitCodes.VERIFY_FAILED;
    }
  }

  /** Nothing was changed in the control plane. */
  record Failed(FailureKind kind, String message) implements ImportOutcome {
    @Override
    public int exitCode() {
      return ExitCodes.FAILED;
    }
  }

  enum FailureKind {
    /** The source cannot be read whole: no such file, not an RDB, truncated, corrupt. */
    BAD_INPUT,
    /** Redis or PostgreSQL cannot be reached. */
    UNAVAILABLE,
    /**
     * The source holds no legacy control plane: no topology, or no repl, machine, container or
     * tombstone (a backup of another application, or of another logical database).
     */
    NOT_LEGACY,
    /** EMPTY mode, and the control plane already holds data. */
    TARGET_NOT_EMPTY,
    /**
     * More records were rejected than {@code --max-rejects} or {@code --max-reject-share} allow.
     */
    TOO_MANY_REJECTS,
    /** PostgreSQL refused the load (the schema, a lock, a constraint). */
    DATABASE
  }

  /** Exit codes of the import command. */
  final class ExitCodes {
    public static final int OK = 0;

    /** The import failed; the control plane is unchanged. */
    public static final int FAILED = 1;

    /** Picocli's code for bad usage. */
    public static final int USAGE = 2;

    /** Imported, but the verification's parity is below the threshold. */
    public static final int VERIFY_FAILED = 3;

    private ExitCodes() {}
  }
}
