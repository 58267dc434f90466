package io.strangler.servers;

import io.strangler.endpoints.PostgresEndpoint;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL of a test's own (io.zonky), whose processes the test may kill ({@link
 * #kill}) or freeze ({@link #pause}); never the shared server. The postmaster is found through
 * {@code postmaster.pid} in the data directory, and signals go to it and to all its children (the
 * backends and background workers), since a server whose postmaster alone is stopped still answers
 * on the connections it has. {@link #close} stops it and deletes the data directory.
 */
public final class PostgresProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresProcess.class);

  private final EmbeddedPostgres postgres;
  private final Path dataDir;
  private final long postmasterPid;
  private volatile boolean paused;
  private volatile boolean killed;

  private PostgresProcess(EmbeddedPostgres postgres, Path dataDir, long postmasterPid) {
    this.postgres = postgres;
    this.dataDir = dataDir;
    this.postmasterPid = postmasterPid;
  }

  /** Starts a new cluster (initdb) on a free port with {@code max_connections} 20. */
  public static PostgresProcess start() {
    return start(20);
  }

  /** Starts a new cluster (initdb) on a free port with {@code maxConnections} connections. */
  public static PostgresProcess start(int maxConnections) {
    try {
      Path dataDir = Files.createTempDirectory("strangler-pg-");
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(true)
              .setRegisterShutdownHook(true)
              .setServerConfig("max_connections", Integer.toString(maxConnections))
              .setPGStartupWait(Duration.ofSeconds(60))
              .start();
      List<String> pidFile = Files.readAllLines(dataDir.resolve("postmaster.pid"));
      return new PostgresProcess(pg, dataDir, Long.parseLong(pidFile.get(0).strip()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  /** The {@code postgres} database, as user postgres. */
  public PostgresEndpoint endpoint() {
    return new PostgresEndpoint(
        "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres",
        "postgres",
        "postgres",
        true);
  }

  public long postmasterPid() {
    return postmasterPid;
  }

  /** SIGSTOP to the postmaster, then to its children: the whole server stops answering. */
  public void pause() {
    // The postmaster first, so that it forks no new backend while its children are stopped.
    Signals.stop(postmasterPid);
    children().forEach(Signals::stop);
    paused = true;
  }

  public void resume() {
    children().forEach(Signals::resume);
    Signals.resume(postmasterPid);
    paused = false;
  }

  /** SIGKILL to the postmaster and its children, as a crash of the host. */
  public void kill() {
    List<ProcessHandle> all =
        ProcessHandle.of(postmasterPid)
            .map(p -> Stream.concat(Stream.of(p), p.descendants()))
            .orElseGet(Stream::empty)
            .toList();
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("PostgreSQL process " + p.pid() + " did not die", e);
      }
    }
    paused = false;
    killed = true;
  }

  private List<Long> children() {
    return ProcessHandle.of(postmasterPid).stream()
        .flatMap(ProcessHandle::descendants)
        .map(ProcessHandle::pid)
        .toList();
  }

  @Override
  public void close() {
    if (paused) {
      resume();
    }
    if (killed) {
      // pg_ctl stop has nothing to stop; the data directory is all that is left.
      RedisProcess.deleteRecursively(dataDir);
      return;
    }
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("embedded PostgreSQL did not stop cleanly", e);
    }
  }
}
