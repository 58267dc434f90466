package io.strangler.servers;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The Redis and PostgreSQL servers a process uses: those named by {@code STRANGLER_REDIS_URL} and
 * {@code STRANGLER_POSTGRES_URL} when set, otherwise embedded servers started once per JVM (on free
 * ports, stopped when the JVM exits).
 */
public final class Servers {
  public static final String REDIS_ENV = "STRANGLER_REDIS_URL";
  public static final String POSTGRES_ENV = "STRANGLER_POSTGRES_URL";

  private static final Logger log = LoggerFactory.getLogger(Servers.class);

  private static RedisEndpoint redis;
  private static PostgresEndpoint postgres;

  private Servers() {}

  /** The Redis server: from {@value #REDIS_ENV}, or an embedded one. */
  public static synchronized RedisEndpoint redis() {
    if (redis == null) {
      String url = System.getenv(REDIS_ENV);
      redis = url != null && !url.isBlank() ? RedisEndpoint.parse(url) : startEmbeddedRedis();
    }
    return redis;
  }

  /** The PostgreSQL server: from {@value #POSTGRES_ENV}, or an embedded one. */
  public static synchronized PostgresEndpoint postgres() {
    if (postgres == null) {
      String url = System.getenv(POSTGRES_ENV);
      postgres =
          url != null && !url.isBlank() ? PostgresEndpoint.parse(url) : startEmbeddedPostgres();
    }
    return postgres;
  }

  /** Starts a new embedded Redis on a free port; the caller owns nothing: it stops at JVM exit. */
  public static RedisEndpoint startEmbeddedRedis() {
    try {
      int port = freePort();
      RedisServer server =
          RedisServer.newRedisServer()
              .port(port)
              .bind("127.0.0.1")
              .setting("save \"\"")
              .setting("appendonly no")
              .build();
      server.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server), "redis-stop"));
      RedisEndpoint endpoint = new RedisEndpoint("127.0.0.1", port, true);
      awaitRedis(endpoint);
      log.info("started embedded Redis on 127.0.0.1:{}", port);
      return endpoint;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded Redis", e);
    }
  }

  /** Starts a new embedded PostgreSQL on a free port; it stops at JVM exit. */
  public static PostgresEndpoint startEmbeddedPostgres() {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException e) {
                      log.warn("embedded PostgreSQL did not stop cleanly", e);
                    }
                  },
                  "postgres-stop"));
      log.info("started embedded PostgreSQL on 127.0.0.1:{}", pg.getPort());
      return new PostgresEndpoint(
          "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres",
          "postgres",
          "postgres",
          true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  private static void awaitRedis(RedisEndpoint endpoint) {
    RedisProcess.awaitAnswer(endpoint, null, Duration.ofSeconds(20));
  }

  private static void stopQuietly(RedisServer server) {
    try {
      server.stop();
    } catch (IOException e) {
      log.warn("embedded Redis did not stop cleanly", e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** For messages: where the servers come from. */
  public static List<String> describe() {
    return List.of(
        "redis " + redis().uri() + (redis().embedded() ? " (embedded)" : ""),
        "postgres " + postgres().jdbcUrl() + (postgres().embedded() ? " (embedded)" : ""));
  }
}
