package io.strangler.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code strangler serve} processes on one Redis and one PostgreSQL behind a real HAProxy on this
 * machine, for benchmarks: the set-up of docs/operations.md with a chosen {@code balance} line.
 * Started and stopped whole; every wait is bounded.
 */
final class LocalFleet implements AutoCloseable {
  static final String TOKEN = "local-fleet-admin-token-0123456789";

  /**
   * How the fleet runs: HAProxy's health check ({@code inter}, {@code fall}, {@code timeout check}
   * above /readyz's own 2 s probe) and each instance's {@code --drain-delay}, {@code --fleet-flush}
   * and {@code --repair-lease}.
   */
  record Options(
      Duration checkInter,
      int fall,
      Duration drainDelay,
      Duration fleetFlush,
      Duration repairLease) {
    /**
     * Checks every 300 ms, down after 3; no drain delay; counters flushed every 2 s; the repairer
     * lease of 6 s.
     */
    static Options defaults() {
      return new Options(
          Duration.ofMillis(300), 3, Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(6));
    }
  }

  /** One {@code serve} process. */
  record Instance(String id, int port, int adminPort, Process process, Path log) {
    URI admin() {
      return URI.create("http://127.0.0.1:" + adminPort + "/");
    }
  }

  private final Path dir;
  private final Options options;
  private final List<Instance> instances = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private Process haproxy;
  private int port;
  private int statsPort;

  private LocalFleet(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
  }

  /**
   * Starts {@code n} instances over {@code redisUri} and {@code postgresUrl} (shared flags seeded
   * from {@code flags}), then HAProxy in front with {@code balance} (e.g. {@code roundrobin}, or
   * {@code hdr(X-Routing-Key)} with consistent hashing), and waits until HAProxy sees them all UP.
   */
  static LocalFleet start(
      Path dir, int n, String redisUri, String postgresUrl, Path flags, String balance)
      throws IOException {
    return start(dir, n, redisUri, postgresUrl, flags, balance, Options.defaults());
  }

  static LocalFleet start(
      Path dir,
      int n,
      String redisUri,
      String postgresUrl,
      Path flags,
      String balance,
      Options options)
      throws IOException {
    LocalFleet f = new LocalFleet(dir, options);
    try {
      Path classpath = dir.resolve("classpath.args");
      Files.writeString(classpath, "-cp \"" + System.getProperty("java.class.path") + "\"\n");
      // The first one migrates the shared schemas; the others start together.
      f.instances.add(f.startInstance("i1", classpath, redisUri, postgresUrl, flags));
      f.awaitReady(f.instances.get(0));
      for (int i = 2; i <= n; i++) {
        f.instances.add(f.startInstance("i" + i, classpath, redisUri, postgresUrl, flags));
      }
      for (Instance i : f.instances) {
        f.awaitReady(i);
      }
      f.startHaproxy(balance);
      return f;
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e;
    }
  }

  List<Instance> instances() {
    return List.copyOf(instances);
  }

  /** HAProxy's front, e.g. {@code http://127.0.0.1:41234}. */
  URI front() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** HAProxy's front port. */
  int port() {
    return port;
  }

  /** The HAProxy process. */
  Process haproxy() {
    return haproxy;
  }

  static String postgresUrl(String jdbcUrl, String user, String password) {
    String url =
        jdbcUrl
            + (jdbcUrl.contains("?") ? "&" : "?")
            + "user="
            + URLEncoder.encode(user, StandardCharsets.UTF_8);
    return password == null
        ? url
        : url + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
  }

  static Path haproxyBinary() {
    for (String p :
        new String[] {
          "/usr/sbin/haproxy",
          "/usr/bin/haproxy",
          "/usr/local/sbin/haproxy",
          "/usr/local/bin/haproxy"
        }) {
      if (Files.isExecutable(Path.of(p))) {
        return Path.of(p);
      }
    }
    throw new IllegalStateException(
        "HAProxy is missing: apt-get install -y haproxy (the build's .mvn/test-tools.sh installs it when it can)");
  }

  private Instance startInstance(
      String id, Path classpath, String redisUri, String postgresUrl, Path flags)
      throws IOException {
    return startServe(
        dir,
        id,
        classpath,
        redisUri,
        postgresUrl,
        flags,
        List.of(
            "--drain-delay",
            options.drainDelay().toString(),
            "--fleet-flush",
            options.fleetFlush().toString(),
            "--repair-lease",
            options.repairLease().toString(),
            "--pool-size",
            "8",
            "--shadow-pool-size",
            "4"));
  }

  /**
   * Starts one {@code serve} process in {@code dir} (its log {@code dir/ID.log}) as a fleet member:
   * free ports on 127.0.0.1, {@link #TOKEN}, the flags shared through PostgreSQL (seeded from
   * {@code flags}), its own state directory {@code dir/state-ID} (a second process on one refuses
   * to start), then {@code extra} options. Not waited for.
   */
  static Instance startServe(
      Path dir,
      String id,
      Path classpath,
      String redisUri,
      String postgresUrl,
      Path flags,
      List<String> extra)
      throws IOException {
    int p = freePort();
    int adminPort = freePort();
    Path log = dir.resolve(id + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "@" + classpath,
                "io.strangler.cli.Main",
                "serve",
                "--bind",
                "127.0.0.1",
                "--port",
                Integer.toString(p),
                "--admin-port",
                Integer.toString(adminPort),
                "--admin-token",
                TOKEN,
                "--redis",
                redisUri,
                "--postgres",
                postgresUrl,
                "--flags",
                flags.toString(),
                "--shared-flags",
                "--instance-id",
                id,
                "--state-dir",
                dir.resolve("state-" + id).toString()));
    cmd.addAll(extra);
    Process process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(dir.toFile())
            .start();
    return new Instance(id, p, adminPort, process, log);
  }

  private void awaitReady(Instance i) {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (!i.process().isAlive()) {
        throw new IllegalStateException(i.id() + " exited; its log:\n" + read(i.log()));
      }
      if (status(URI.create("http://127.0.0.1:" + i.port() + "/readyz")) == 200) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    throw new IllegalStateException(
        i.id() + " was not ready within 120 s; its log:\n" + read(i.log()));
  }

  private void startHaproxy(String balance) throws IOException {
    port = freePort();
    statsPort = freePort();
    StringBuilder b = new StringBuilder();
    b.append("global\n  maxconn 2000\n\n");
    b.append(
        "defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n");
    // Above /readyz's own probe timeout (2 s): a slow store makes a slow check, not a failed one.
    b.append("  timeout check 2500ms\n  retries 2\n  option redispatch 1\n\n");
    b.append("frontend strangler_api\n  bind 127.0.0.1:")
        .append(port)
        .append("\n  default_backend strangler\n\n");
    b.append("backend strangler\n  balance ").append(balance).append('\n');
    if (balance.startsWith("hdr(")) {
      b.append("  hash-type consistent\n");
    }
    b.append("  option httpchk GET /readyz\n  http-check expect status 200\n");
    b.append("  default-server inter ")
        .append(options.checkInter().toMillis())
        .append("ms fall ")
        .append(options.fall())
        .append(" rise 2\n");
    for (Instance i : instances) {
      b.append("  server ")
          .append(i.id())
          .append(" 127.0.0.1:")
          .append(i.port())
          .append(" check\n");
    }
    b.append("\nfrontend stats\n  bind 127.0.0.1:")
        .append(statsPort)
        .append("\n  stats enable\n  stats uri /stats\n");
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, b.toString());
    haproxy =
        new ProcessBuilder(haproxyBinary().toString(), "-db", "-f", cfg.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("haproxy.log").toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      if (serverStates().values().stream().filter("UP"::equals).count() == instances.size()) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    throw new IllegalStateException(
        "HAProxy did not see every instance UP; its log:\n" + read(dir.resolve("haproxy.log")));
  }

  /** Each server's state as HAProxy's stats page says (UP, DOWN, ...); empty if unreachable. */
  Map<String, String> serverStates() {
    Map<String, String> out = new TreeMap<>();
    String csv = body(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"), null);
    if (csv == null) {
      return out;
    }
    for (String line : csv.split("\n")) {
      String[] f = line.split(",", -1);
      if (f.length > 17 && f[0].equals("strangler") && !f[1].equals("BACKEND")) {
        out.put(f[1], f[17]);
      }
    }
    return out;
  }

  /** GET {@code path} on an instance's admin port; null if it did not answer 200. */
  String admin(Instance i, String path) {
    return body(i.admin().resolve(path), TOKEN);
  }

  private int status(URI uri) {
    try {
      return http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private String body(URI uri, String token) {
    HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** HAProxy first, then SIGTERM to every instance, waiting for each (at most 30 s, then kill). */
  @Override
  public void close() {
    if (haproxy != null) {
      haproxy.destroy();
      waitFor(haproxy);
    }
    for (Instance i : instances) {
      i.process().destroy();
    }
    for (Instance i : instances) {
      waitFor(i.process());
    }
    http.close();
  }

  private static void waitFor(Process p) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
