package io.strangler.controlplane;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.Errors;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns what PgJDBC, HikariCP and MyBatis throw into the contract's errors. */
final class SqlErrors {
  static final String UNIQUE_VIOLATION = "23505";

  /**
   * SQLSTATEs of a server that cannot serve the statement now, though a later call may succeed: it
   * shut the session down or refuses new ones (57P01-57P03), has too many connections or lacks
   * resources (class 53), cancelled the statement (57014, a statement timeout), or is a standby
   * (25006, the PostgreSQL side of Redis's READONLY). Class 08 (connection exception) is matched by
   * prefix.
   */
  private static final Set<String> UNAVAILABLE_STATES =
      Set.of("57P01", "57P02", "57P03", "57014", "25006");

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

  /**
   * True for a serialization failure or deadlock. Never throws: HikariCP's "connection is not
   * available" carries no SQLSTATE, and Set.of(..).contains(null) would.
   */
  static boolean isRetryable(Throwable e) {
    SQLException s = sqlCause(e);
    return s != null && hasState(s, RETRYABLE_STATES);
  }

  private static boolean hasState(SQLException s, Set<String> states) {
    String state = s.getSQLState();
    return state != null && states.contains(state);
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

  /**
   * True when the store, not the statement, is at fault: the pool had no connection in time, the
   * connection could not be made or broke (refused, reset, a socket timeout on a hung server), the
   * server is shutting down, refusing or out of resources, or transactions kept conflicting after
   * every retry.
   */
  static boolean isUnavailable(SQLException s) {
    if (s instanceof SQLTransientConnectionException
        || s instanceof SQLNonTransientConnectionException
        || s instanceof SQLTimeoutException) {
      return true;
    }
    String state = s.getSQLState();
    return state != null
        && (state.startsWith("08")
            || state.startsWith("53")
            || UNAVAILABLE_STATES.contains(state)
            || RETRYABLE_STATES.contains(state));
  }

  /**
   * UNAVAILABLE when the store could not serve the call (see {@link #isUnavailable}), INTERNAL for
   * anything else. The message names the SQLException, not MyBatis's wrapper around it, which
   * repeats the whole statement.
   */
  static ControlPlaneException translate(String backend, Throwable e) {
    if (e instanceof ControlPlaneException c) {
      return c;
    }
    SQLException s = sqlCause(e);
    if (s == null) {
      return Errors.internal(backend, e);
    }
    return isUnavailable(s) ? Errors.unavailable(backend, s) : Errors.internal(backend, s);
  }
}
