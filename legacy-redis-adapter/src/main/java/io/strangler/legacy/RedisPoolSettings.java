package io.strangler.legacy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link LegacyRedisControlPlane} built from a URI talks to Redis: every wait is finite, so a
 * store that is down or hung costs a call at most about {@code maxWait + connectTimeout +
 * socketTimeout} before it is answered UNAVAILABLE.
 *
 * @param maxConnections connections of the pool
 * @param connectTimeout to open a TCP connection
 * @param socketTimeout for any one reply (a hung server breaks the connection after this)
 * @param maxWait for a free pooled connection when all are in use
 */
public record RedisPoolSettings(
    int maxConnections, Duration connectTimeout, Duration socketTimeout, Duration maxWait) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(2);

  public RedisPoolSettings {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
    checkTimeout("connectTimeout", connectTimeout);
    checkTimeout("socketTimeout", socketTimeout);
    checkTimeout("maxWait", maxWait);
  }

  /** {@code maxConnections} and the default timeouts (2 s each). */
  public static RedisPoolSettings of(int maxConnections) {
    return new RedisPoolSettings(
        maxConnections, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT, DEFAULT_MAX_WAIT);
  }

  public static RedisPoolSettings defaults() {
    return of(LegacyRedisControlPlane.DEFAULT_MAX_CONNECTIONS);
  }

  public RedisPoolSettings withTimeouts(
      Duration connectTimeout, Duration socketTimeout, Duration maxWait) {
    return new RedisPoolSettings(maxConnections, connectTimeout, socketTimeout, maxWait);
  }

  private static void checkTimeout(String name, Duration d) {
    Objects.requireNonNull(d, name);
    // Jedis reads 0 as "wait forever", and takes whole milliseconds.
    if (d.toMillis() < 1 || d.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException(
          name + " must be between 1 ms and 10 min (a finite wait), got " + d);
    }
  }
}
