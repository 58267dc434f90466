package io.strangler.servers;

import io.strangler.endpoints.RedisEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A {@code redis-server} process of a test's own, on a free port, in a directory of its own: the
 * one a fault test may kill ({@link #kill}) or freeze ({@link #pause}), never the shared server.
 * Needs {@code redis-server} on the PATH. {@link #close} kills it and deletes its directory.
 */
public final class RedisProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final int START_ATTEMPTS = 3;

  private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes(StandardCharsets.US_ASCII);

  private final Process process;
  private final RedisEndpoint endpoint;
  private final Path dir;
  private volatile boolean paused;

  private RedisProcess(Process process, RedisEndpoint endpoint, Path dir) {
    this.process = process;
    this.endpoint = endpoint;
    this.dir = dir;
  }

  /**
   * Starts {@code redis-server} in a new directory with no persistence, plus {@code settings}
   * (command-line pairs such as {@code "--busy-reply-threshold", "100"}); returns once it answers.
   */
  public static RedisProcess start(String... settings) {
    try {
      return startIn(Files.createTempDirectory("strangler-redis-"), settings);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for redis-server", e);
    }
  }

  /**
   * Starts {@code redis-server} in {@code dir}, where it loads {@code dump.rdb} if there is one;
   * returns as soon as it answers anything, so possibly while it still answers LOADING. The
   * directory is the caller's; {@link #close} deletes it.
   */
  public static RedisProcess startIn(Path dir, String... settings) {
    IllegalStateException last = null;
    // A free port can be taken by someone else before redis-server binds it: try another.
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      int port;
      try {
        port = Servers.freePort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot find a free port", e);
      }
      List<String> command = new ArrayList<>();
      command.addAll(
          List.of(
              "redis-server",
              "--port",
              Integer.toString(port),
              "--bind",
              "127.0.0.1",
              "--dir",
              dir.toString(),
              "--dbfilename",
              "dump.rdb",
              // No snapshots or AOF of its own: the directory holds only what a test puts there.
              "--save",
              "",
              "--appendonly",
              "no"));
      command.addAll(List.of(settings));
      Process process;
      try {
        process =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot start redis-server (is it installed and on the PATH?)", e);
      }
      RedisEndpoint endpoint = new RedisEndpoint("127.0.0.1", port, true);
      try {
        awaitAnswer(endpoint, process, START_TIMEOUT);
        return new RedisProcess(process, endpoint, dir);
      } catch (IllegalStateException e) {
        process.destroyForcibly();
        last = e;
      }
    }
    throw new IllegalStateException(
        "redis-server did not start in " + dir + " (see redis.log there)", last);
  }

  /**
   * A directory holding a {@code dump.rdb} of {@code keys} small keys (DEBUG POPULATE): a Redis
   * started on it with {@code --key-load-delay} answers LOADING for as long as the test needs.
   */
  public static Path rdbWithKeys(int keys) {
    Path dir;
    try {
      dir = Files.createTempDirectory("strangler-rdb-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the RDB", e);
    }
    RedisProcess source = startIn(dir, "--enable-debug-command", "yes");
    try (Jedis j = source.connect()) {
      j.sendCommand(DEBUG, "POPULATE", Integer.toString(keys));
      j.save();
    } finally {
      // Killed, not closed: the directory and its dump.rdb are the caller's now.
      source.kill();
    }
    return dir;
  }

  public RedisEndpoint endpoint() {
    return endpoint;
  }

  public int port() {
    return endpoint.port();
  }

  public long pid() {
    return process.pid();
  }

  public Path dir() {
    return dir;
  }

  /** A connection with a short timeout, for the test's own commands. */
  public Jedis connect() {
    return new Jedis(endpoint.host(), endpoint.port(), 2_000);
  }

  /** SIGKILL, as a crash: no shutdown, clients see their connections reset or refused. */
  public void kill() {
    if (paused) {
      resume();
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server " + pid() + " did not die in 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for redis-server to die", e);
    }
  }

  /** SIGSTOP, as a hung server: connections stay open and nothing is answered. */
  public void pause() {
    Signals.stop(pid());
    paused = true;
  }

  public void resume() {
    Signals.resume(pid());
    paused = false;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
    deleteRecursively(dir);
  }

  /**
   * Waits until {@code endpoint} answers a PING with anything (PONG, or an error such as LOADING),
   * failing once {@code timeout} passes or {@code process} (if any) has died.
   */
  static void awaitAnswer(RedisEndpoint endpoint, Process process, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Jedis j = new Jedis(endpoint.host(), endpoint.port(), 1_000)) {
        j.ping();
        return;
      } catch (JedisDataException e) {
        return;
      } catch (JedisConnectionException e) {
        if (process != null && !process.isAlive()) {
          throw new IllegalStateException(
              "redis-server exited with " + process.exitValue() + " before answering", e);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Redis on " + endpoint.uri() + " did not answer within " + timeout, e);
        }
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A leftover temporary directory is harmless; the test's outcome is what matters.
    }
  }
}
