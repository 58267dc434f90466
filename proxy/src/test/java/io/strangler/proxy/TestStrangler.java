package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.cutover.CutoverConfig;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The assembled proxy over the two real backends, on fresh stores, for tests: every API in one mode
 * from a flags file, a client, and direct views of both stores.
 */
public final class TestStrangler implements AutoCloseable {
  public static final String TOKEN = "test-token-0123456789";
  public static final List<String> OPERATIONS =
      Operation.ALL.stream().map(Operation::name).toList();

  public final StranglerServer server;
  public final ControlPlane legacyView;
  public final ControlPlane newView;
  public final Path flagsFile;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicLong seq = new AtomicLong();

  private TestStrangler(
      StranglerServer server, ControlPlane legacyView, ControlPlane newView, Path flagsFile) {
    this.server = server;
    this.legacyView = legacyView;
    this.newView = newView;
    this.flagsFile = flagsFile;
  }

  public static TestStrangler start(
      RedisDb redis, PostgresDb pg, Path dir, Mode mode, Topology topology) throws Exception {
    return start(redis, pg, dir, mode, topology, TrafficRecorder.disabled());
  }

  /** The same, every call also handed to {@code recorder} (which the server then owns). */
  public static TestStrangler start(
      RedisDb redis,
      PostgresDb pg,
      Path dir,
      Mode mode,
      Topology topology,
      TrafficRecorder recorder)
      throws Exception {
    return start(redis, pg, dir, mode, topology, recorder, null, legacy -> {});
  }

  /**
   * The same, with failed shadow writes journaled in {@code dir/repairs} and repaired by {@code
   * repairer}.
   */
  public static TestStrangler startWithRepairs(
      RedisDb redis,
      PostgresDb pg,
      Path dir,
      Mode mode,
      Topology topology,
      Repairer.Config repairer)
      throws Exception {
    return startWithRepairs(redis, pg, dir, mode, topology, repairer, legacy -> {});
  }

  /** The same, with {@code seedLegacy} run on the legacy store once it is empty and laid out. */
  public static TestStrangler startWithRepairs(
      RedisDb redis,
      PostgresDb pg,
      Path dir,
      Mode mode,
      Topology topology,
      Repairer.Config repairer,
      java.util.function.Consumer<ControlPlane> seedLegacy)
      throws Exception {
    RepairWiring.Setup setup =
        RepairWiring.Setup.of(RepairWiring.journalDir(dir), redis.uri(), pg.database())
            .withRepairer(repairer);
    return start(redis, pg, dir, mode, topology, TrafficRecorder.disabled(), setup, seedLegacy);
  }

  private static TestStrangler start(
      RedisDb redis,
      PostgresDb pg,
      Path dir,
      Mode mode,
      Topology topology,
      TrafficRecorder recorder,
      RepairWiring.Setup repairs,
      java.util.function.Consumer<ControlPlane> seedLegacy)
      throws Exception {
    redis.flush();
    try (var c = pg.database().connect();
        var s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
    ControlPlane controlPlane = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password());
    legacy.applyTopology(topology);
    controlPlane.applyTopology(topology);
    seedLegacy.accept(legacy);
    Path flagsFile = dir.resolve("flags.json");
    Files.write(flagsFile, FlagsFile.allIn(mode, OPERATIONS).toJson());
    ClosingFlags flags = ClosingFlags.file(flagsFile, pg.database());
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .adminBindAddress("127.0.0.1")
            .adminPort(0)
            .adminToken(TOKEN)
            .build();
    StranglerServer server =
        repairs == null
            ? StranglerServer.start(
                config,
                legacy,
                controlPlane,
                flags,
                StranglerServer.DiffSetup.defaults(pg.database()),
                recorder)
            : StranglerServer.start(
                config,
                legacy,
                legacy,
                controlPlane,
                controlPlane,
                OverridingFlags.wrap(flags),
                StranglerServer.DiffSetup.defaults(pg.database()),
                recorder,
                CutoverConfig.defaults(),
                repairs);
    return new TestStrangler(
        server,
        LegacyRedisControlPlane.create(redis.uri()),
        new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password()),
        flagsFile);
  }

  public HttpResponse<String> post(String operation, String body) {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/" + operation))
            .header("Content-Type", "application/json")
            .header("X-Request-Id", "t-" + seq.incrementAndGet())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return send(r);
  }

  public HttpResponse<String> admin(String method, String path, String body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return send(b.build());
  }

  public JsonNode adminJson(String path) {
    return json(admin("GET", path, null, TOKEN).body());
  }

  public String adminUrl() {
    return "http://127.0.0.1:" + server.adminPort() + "/";
  }

  private HttpResponse<String> send(HttpRequest r) {
    return send(http, r);
  }

  /** {@code r} through {@code http}, its body as a string. */
  public static HttpResponse<String> send(HttpClient http, HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * An admin call to the server on {@code adminPort} with {@link #TOKEN}; {@code body} null for
   * none.
   */
  public static HttpResponse<String> admin(
      HttpClient http, int adminPort, String method, String path, String body) {
    return send(
        http,
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** A POST of {@code body} to {@code operation} on the API port {@code port}. */
  public static HttpResponse<String> post(
      HttpClient http, int port, String operation, String body) {
    return send(
        http,
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/" + operation))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** A GET of {@code path} on the admin port {@code adminPort}, which must answer 200, as JSON. */
  public static JsonNode adminJson(HttpClient http, int adminPort, String path) {
    HttpResponse<String> r = admin(http, adminPort, "GET", path, null);
    org.assertj.core.api.Assertions.assertThat(r.statusCode())
        .as(path + ": " + r.body())
        .isEqualTo(200);
    return json(r.body());
  }

  public static JsonNode json(String s) {
    try {
      return ControlApiJson.mapper().readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.close();
    legacyView.close();
    newView.close();
  }
}
