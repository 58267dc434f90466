package io.strangler.importer;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * A Redis server of the test's own, writing its dump into a directory the test knows: the embedded
 * Redis 6.2, or the system's redis-server (7.x here) when installed. SAVE makes the backup the
 * importer reads.
 */
final class OwnRedis implements AutoCloseable {
  static final Path SYSTEM_REDIS = Path.of("/usr/bin/redis-server");

  private final int port;
  private final Path dir;
  private final RedisServer embedded;
  private final Process process;

  private OwnRedis(int port, Path dir, RedisServer embedded, Process process) {
    this.port = port;
    this.dir = dir;
    this.embedded = embedded;
    this.process = process;
  }

  /** The embedded Redis (6.2) with its dump in {@code dir}. */
  static OwnRedis embedded(Path dir) {
    try {
      int port = freePort();
      RedisServer server =
          RedisServer.newRedisServer()
              .port(port)
              .bind("127.0.0.1")
              .setting("dir " + dir.toAbsolutePath())
              .setting("dbfilename dump.rdb")
              .setting("save \"\"")
              .setting("appendonly no")
              .build();
      server.start();
      return awaitUp(new OwnRedis(port, dir, server, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The system's redis-server, or empty when it is not installed. */
  static Optional<OwnRedis> system(Path dir) {
    if (!Files.isExecutable(SYSTEM_REDIS)) {
      return Optional.empty();
    }
    try {
      int port = freePort();
      Process p =
          new ProcessBuilder(
                  SYSTEM_REDIS.toString(),
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--dir",
                  dir.toAbsolutePath().toString(),
                  "--dbfilename",
                  "dump.rdb",
                  "--save",
                  "",
                  "--appendonly",
                  "no",
                  "--daemonize",
                  "no")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
      return Optional.of(awaitUp(new OwnRedis(port, dir, null, p)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static OwnRedis awaitUp(OwnRedis r) {
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () -> {
              try (Jedis j = r.connect(0)) {
                return "PONG".equals(j.ping());
              }
            });
    return r;
  }

  String uri(int db) {
    return "redis://127.0.0.1:" + port + "/" + db;
  }

  Jedis connect(int db) {
    Jedis j = new Jedis("127.0.0.1", port, 60_000);
    j.select(db);
    return j;
  }

  String version() {
    try (Jedis j = connect(0)) {
      for (String line : j.info("server").split("\r?\n")) {
        if (line.startsWith("redis_version:")) {
          return line.substring("redis_version:".length()).trim();
        }
      }
    }
    return "unknown";
  }

  /** SAVEs and answers the dump file. */
  Path save() {
    try (Jedis j = connect(0)) {
      j.save();
    }
    return dir.resolve("dump.rdb");
  }

  @Override
  public void close() {
    try (Jedis j = connect(0)) {
      j.shutdown();
    } catch (RuntimeException e) {
      // Already down: SHUTDOWN closes the connection without a reply.
    }
    if (embedded != null) {
      try {
        embedded.stop();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (process != null) {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
