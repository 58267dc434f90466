package io.strangler.servers;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import redis.clients.jedis.Jedis;

/**
 * JUnit 5 extension that hands a test class real servers: a {@link RedisDb} (one logical Redis
 * database, flushed when the class starts) and a {@link PostgresDb} (a database created for the
 * class and dropped after it). Servers come from {@link Servers}. Test classes are isolated from
 * each other; tests within a class share the class's stores.
 *
 * <p>Redis logical databases 1..15 are used in turn (0 is left alone), so a module's test classes,
 * which run one after another, never see each other's keys. Builds run at the same time against one
 * server should use different servers (or the embedded ones).
 */
public final class RealServers implements ParameterResolver {
  // Start at a place given by the process id, so that test JVMs sharing one server (two builds at
  // once on a developer's machine) are unlikely to flush each other's database.
  private static final AtomicInteger NEXT_REDIS_DB =
      new AtomicInteger((int) (ProcessHandle.current().pid() % 15));
  private static final AtomicInteger NEXT_PG_DB = new AtomicInteger();
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(RealServers.class);

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    Class<?> type = p.getParameter().getType();
    return type == RedisDb.class || type == PostgresDb.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    ExtensionContext classContext = classContext(c);
    ExtensionContext.Store store = classContext.getStore(NS);
    Class<?> type = p.getParameter().getType();
    if (type == RedisDb.class) {
      return store.getOrComputeIfAbsent("redis", k -> newRedisDb(), RedisDb.class);
    }
    if (type == PostgresDb.class) {
      return store.getOrComputeIfAbsent(
          "postgres", k -> newPostgresDb(classContext), PostgresDb.class);
    }
    throw new ParameterResolutionException("unsupported parameter " + type);
  }

  private static ExtensionContext classContext(ExtensionContext c) {
    ExtensionContext ctx = c;
    while (ctx.getTestMethod().isPresent() && ctx.getParent().isPresent()) {
      ctx = ctx.getParent().get();
    }
    return ctx;
  }

  private static RedisDb newRedisDb() {
    RedisEndpoint endpoint = Servers.redis();
    int db = 1 + Math.floorMod(NEXT_REDIS_DB.getAndIncrement(), 15);
    try (Jedis j = new Jedis(endpoint.host(), endpoint.port())) {
      j.select(db);
      j.flushDB();
    }
    return new RedisDb(endpoint, db);
  }

  private static PostgresDb newPostgresDb(ExtensionContext c) {
    PostgresEndpoint server = Servers.postgres();
    String name =
        "strangler_test_" + ProcessHandle.current().pid() + "_" + NEXT_PG_DB.incrementAndGet();
    return new PostgresDb(server, name, server.createDatabase(name));
  }

  /** One logical Redis database for one test class. */
  public record RedisDb(RedisEndpoint endpoint, int db) {
    public String uri() {
      return endpoint.uri(db);
    }

    public Jedis connect() {
      Jedis j = new Jedis(endpoint.host(), endpoint.port());
      j.select(db);
      return j;
    }

    public void flush() {
      try (Jedis j = connect()) {
        j.flushDB();
      }
    }
  }

  /** One PostgreSQL database for one test class, dropped when the class ends. */
  public record PostgresDb(PostgresEndpoint server, String name, PostgresEndpoint database)
      implements AutoCloseable {
    public String jdbcUrl() {
      return database.jdbcUrl();
    }

    public String user() {
      return database.user();
    }

    public String password() {
      return database.password();
    }

    @Override
    public void close() {
      server.dropDatabase(name);
    }
  }
}
