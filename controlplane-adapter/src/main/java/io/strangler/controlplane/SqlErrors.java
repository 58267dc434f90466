package io.strangler.controlplane;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.Errors;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns what PgJDBC, HikariCP and MyBatis throw into the contract's errors. */
final class SqlErrors {
  static final String UNIQUE_VIOLATION = "23505";

  /**
   * SQLSTATEs that mean the store could not be reached or did not answer: the server shut the
   * session down, refused it, or cancelled the statement. Class 08 (connection exception) is
   * matched by prefix.
   */
  private static final Set<String> UNAVAILABLE_STATES =
      Set.of("57P01", "57P02", "57P03", "53300", "57014");

  /** Conflicts between transactions that a new attempt resolves. */
  private static final Set<String> RETRYABLE_STATES = Set.of("40001", "40P01");

  private SqlErrors() {}

  /** The first SQLException in {@code e}'s cause chain, or null. */
  static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        return s;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  static boolean isRetryable(Throwable e) {
    SQLException s = sqlCause(e);
    return s != null && RETRYABLE_STATES.contains(s.getSQLState());
  }

  /** True when {@code e} was caused by a unique violation of the named constraint or index. */
  static boolean isUniqueViolation(Throwable e, String constraint) {
    SQLException s = sqlCause(e);
    if (s instanceof PSQLException p && UNIQUE_VIOLATION.equals(p.getSQLState())) {
      ServerErrorMessage m = p.getServerErrorMessage();
      return m != null && constraint.equals(m.getConstraint());
    }
    return false;
  }

  static boolean isConnectionFailure(SQLException s) {
    if (s instanceof SQLTransientConnectionException
        || s instanceof SQLNonTransientConnectionException) {
      return true;
    }
    String state = s.getSQLState();
    return state != null && (state.startsWith("08") || UNAVAILABLE_STATES.contains(state));
  }

  /**
   * UNAVAILABLE when the store could not be reached (the pool had no connection in time, the
   * connection broke, the server is shutting down), INTERNAL for anything else. The message names
   * the SQLException, not MyBatis's wrapper around it, which repeats the whole statement.
   */
  static ControlPlaneException translate(String backend, Throwable e) {
    if (e instanceof ControlPlaneException c) {
      return c;
    }
    SQLException s = sqlCause(e);
    if (s == null) {
      return Errors.internal(backend, e);
    }
    return isConnectionFailure(s) ? Errors.unavailable(backend, s) : Errors.internal(backend, s);
  }
}
