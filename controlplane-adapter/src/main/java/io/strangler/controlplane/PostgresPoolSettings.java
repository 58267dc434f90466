package io.strangler.controlplane;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link PostgresControlPlane} built from a JDBC URL talks to PostgreSQL: every wait is
 * finite, so a database that is down or hung costs a call at most about {@code connectionTimeout}
 * (waiting for a pooled connection) plus {@code socketTimeout} (for the statement's answer) before
 * it is answered UNAVAILABLE.
 *
 * @param maxPoolSize connections of the pool
 * @param connectionTimeout HikariCP's wait for a pooled connection (at least 250 ms)
 * @param connectTimeout PgJDBC's wait to open a TCP connection (whole seconds, at least 1)
 * @param socketTimeout PgJDBC's wait for any one read from the server (whole seconds, at least 1):
 *     a server that stops answering breaks the connection after this; it also ends a statement that
 *     waits longer on a lock
 */
public record PostgresPoolSettings(
    int maxPoolSize, Duration connectionTimeout, Duration connectTimeout, Duration socketTimeout) {

  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(5);

  public PostgresPoolSettings {
    if (maxPoolSize < 1) {
      throw new IllegalArgumentException("maxPoolSize must be >= 1, got " + maxPoolSize);
    }
    Objects.requireNonNull(connectionTimeout, "connectionTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(socketTimeout, "socketTimeout");
    // HikariCP refuses less than 250 ms; PgJDBC reads 0 as "wait forever" and takes seconds.
    within("connectionTimeout", connectionTimeout, Duration.ofMillis(250));
    within("connectTimeout", connectTimeout, Duration.ofSeconds(1));
    within("socketTimeout", socketTimeout, Duration.ofSeconds(1));
    wholeSeconds("connectTimeout", connectTimeout);
    wholeSeconds("socketTimeout", socketTimeout);
  }

  /** {@code maxPoolSize} and the default timeouts (2 s, 2 s, 5 s). */
  public static PostgresPoolSettings of(int maxPoolSize) {
    return new PostgresPoolSettings(
        maxPoolSize, DEFAULT_CONNECTION_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
  }

  public static PostgresPoolSettings defaults() {
    return of(PostgresControlPlane.DEFAULT_MAX_POOL_SIZE);
  }

  public PostgresPoolSettings withTimeouts(
      Duration connectionTimeout, Duration connectTimeout, Duration socketTimeout) {
    return new PostgresPoolSettings(maxPoolSize, connectionTimeout, connectTimeout, socketTimeout);
  }

  private static void within(String name, Duration d, Duration min) {
    if (d.compareTo(min) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and 10 min (a finite wait), got " + d);
    }
  }

  private static void wholeSeconds(String name, Duration d) {
    if (d.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          name + " is passed to PgJDBC in whole seconds; got " + d + ", give e.g. PT2S");
    }
  }
}
