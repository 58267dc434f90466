package io.strangler.convergence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.endpoints.PostgresEndpoint;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

/**
 * Both stores, opened from the CLI's URLs: a bounded Jedis pool on the legacy Redis and a bounded
 * HikariCP pool on the control plane's PostgreSQL. Builds the sync, scanner and repair over them.
 */
public final class Stores implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 30_000;

  private final JedisPool redis;
  private final HikariDataSource pg;
  private final Clock clock;

  private Stores(JedisPool redis, HikariDataSource pg, Clock clock) {
    this.redis = redis;
    this.pg = pg;
    this.clock = clock;
  }

  /**
   * @param redisUrl {@code redis://host:port[/db]}
   * @param postgresUrl {@code postgresql://user[:password]@host:port/db} or a JDBC URL
   * @param poolSize connections per store (>= 1)
   * @throws IllegalArgumentException for a URL of another shape, saying which
   */
  public static Stores open(String redisUrl, String postgresUrl, int poolSize, Clock clock) {
    return open(
        redisUrl,
        PostgresEndpoint.parse(postgresUrl),
        poolSize,
        clock,
        Duration.ofMillis(TIMEOUT_MILLIS),
        Duration.ofSeconds(10),
        null);
  }

  /**
   * As {@link #open(String, String, int, Clock)}, PostgreSQL given as an endpoint, and every wait
   * bounded by {@code timeout}: a Redis reply, a pooled connection, opening a PostgreSQL connection
   * and any one read of a PostgreSQL reply (PgJDBC's {@code socketTimeout}). A store that stops
   * answering costs a sync about that long, and the sync answers {@link SyncResult.Unavailable}.
   * The pools open even when a store cannot be reached yet. For a repairer that runs beside a
   * serving proxy.
   *
   * @param timeout at least one second, in whole seconds
   */
  public static Stores open(
      String redisUrl, PostgresEndpoint postgres, int poolSize, Clock clock, Duration timeout) {
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          "timeout must be whole seconds, at least 1, got " + timeout);
    }
    return open(redisUrl, postgres, poolSize, clock, timeout, timeout, timeout);
  }

  private static Stores open(
      String redisUrl,
      PostgresEndpoint endpoint,
      int poolSize,
      Clock clock,
      Duration redisTimeout,
      Duration poolWait,
      Duration pgReads) {
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be >= 1, got " + poolSize);
    }
    URI uri = URI.create(redisUrl);
    if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "expected a Redis URL like redis://127.0.0.1:6379/0, got '" + redisUrl + "'");
    }
    JedisPoolConfig rc = new JedisPoolConfig();
    rc.setMaxTotal(poolSize);
    rc.setMaxIdle(poolSize);
    rc.setMaxWait(poolWait);
    rc.setJmxEnabled(false);
    int redisMillis = (int) redisTimeout.toMillis();
    JedisPool redis = new JedisPool(rc, uri, redisMillis, redisMillis);
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(endpoint.jdbcUrl());
    hc.setUsername(endpoint.user());
    hc.setPassword(endpoint.password());
    hc.setMaximumPoolSize(poolSize);
    hc.setMinimumIdle(0);
    hc.setConnectionTimeout(poolWait.toMillis());
    if (pgReads != null) {
      hc.addDataSourceProperty("socketTimeout", Long.toString(pgReads.toSeconds()));
      hc.addDataSourceProperty("connectTimeout", Long.toString(pgReads.toSeconds()));
      // A pool that cannot reach PostgreSQL at start still opens: the repairer waits for it.
      hc.setInitializationFailTimeout(-1);
    }
    hc.setPoolName("convergence-pg");
    hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    try {
      return new Stores(redis, new HikariDataSource(hc), clock);
    } catch (RuntimeException e) {
      redis.close();
      // HikariCP fails fast when the first connection fails: say where, keep the cause.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(
          "cannot connect to PostgreSQL at " + endpoint.jdbcUrl() + ": " + cause.getMessage(), e);
    }
  }

  public JedisPool redis() {
    return redis;
  }

  public HikariDataSource postgres() {
    return pg;
  }

  public EntitySync sync() {
    return new EntitySync(redis, pg, clock);
  }

  public DriftScanner scanner() {
    return new DriftScanner(redis, pg, clock);
  }

  public DriftRepair repair() {
    return new DriftRepair(scanner(), sync());
  }

  @Override
  public void close() {
    try {
      pg.close();
    } finally {
      redis.close();
    }
  }
}
