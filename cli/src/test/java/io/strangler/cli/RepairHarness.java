package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.controlplane.PostgresPoolSettings;
import io.strangler.convergence.DriftReport;
import io.strangler.convergence.DriftScanner;
import io.strangler.convergence.Stores;
import io.strangler.cutover.CutoverConfig;
import io.strangler.cutover.RollbackConfig;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.dispatch.repair.RepairJournal;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.legacy.RedisPoolSettings;
import io.strangler.proxy.ClosingFlags;
import io.strangler.proxy.RepairWiring;
import io.strangler.proxy.StranglerServer;
import io.strangler.proxy.TestStrangler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The proxy as {@code strangler serve} assembles it (an authoritative and a shadow plane per store,
 * each with its own pool and the serve defaults' timeouts, the repair journal and repairer), over
 * stores the test names, every API in one mode; with an HTTP client, direct views of both stores
 * and the drift scanner.
 */
final class RepairHarness implements AutoCloseable {
  static final String TOKEN = TestStrangler.TOKEN;

  final StranglerServer server;
  final ControlPlane legacyView;
  final ControlPlane newView;
  final Stores stores;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicLong seq = new AtomicLong();

  private RepairHarness(
      StranglerServer server, ControlPlane legacyView, ControlPlane newView, Stores stores) {
    this.server = server;
    this.legacyView = legacyView;
    this.newView = newView;
    this.stores = stores;
  }

  /**
   * @param redisUrl the legacy store (emptied first)
   * @param store the control plane's database (emptied first)
   * @param audit where flag changes and mismatch samples go (not the store a test stops)
   */
  static RepairHarness start(
      String redisUrl,
      PostgresEndpoint store,
      PostgresEndpoint audit,
      Path dir,
      Mode mode,
      Topology topology,
      UnaryOperator<ProxyConfig.Builder> proxy,
      Repairer.Config repairer)
      throws Exception {
    return start(redisUrl, store, audit, dir, mode, topology, proxy, repairer, j -> j);
  }

  /** As above, with the repair journal's bounds changed by {@code journal}. */
  static RepairHarness start(
      String redisUrl,
      PostgresEndpoint store,
      PostgresEndpoint audit,
      Path dir,
      Mode mode,
      Topology topology,
      UnaryOperator<ProxyConfig.Builder> proxy,
      Repairer.Config repairer,
      UnaryOperator<RepairJournal.Config> journal)
      throws Exception {
    try (var j = new redis.clients.jedis.Jedis(URI.create(redisUrl))) {
      j.flushDB();
    }
    try (var c = store.connect();
        var s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    ProxyConfig config =
        proxy
            .apply(
                ProxyConfig.builder()
                    .bindAddress("127.0.0.1")
                    .port(0)
                    .adminBindAddress("127.0.0.1")
                    .adminPort(0)
                    .adminToken(TOKEN)
                    .shadowTimeout(Duration.ofMillis(500))
                    .authoritativeConnections(6)
                    .shadowConnections(4))
            .build();
    ControlPlane legacy =
        LegacyRedisControlPlane.create(
            redisUrl, RedisPoolSettings.of(config.authoritativeConnections()));
    ControlPlane controlPlane =
        new PostgresControlPlane(
            store.jdbcUrl(),
            store.user(),
            store.password(),
            PostgresPoolSettings.of(config.authoritativeConnections()));
    legacy.applyTopology(topology);
    controlPlane.applyTopology(topology);
    ControlPlane legacyShadow =
        LegacyRedisControlPlane.create(redisUrl, RedisPoolSettings.of(config.shadowConnections()));
    ControlPlane controlPlaneShadow =
        new PostgresControlPlane(
            store.jdbcUrl(),
            store.user(),
            store.password(),
            PostgresPoolSettings.of(config.shadowConnections()));
    Path flagsFile = dir.resolve("flags.json");
    Files.write(
        flagsFile,
        FlagsFile.allIn(mode, Operation.ALL.stream().map(Operation::name).toList()).toJson());
    RepairWiring.Setup repairs =
        RepairWiring.Setup.of(RepairWiring.journalDir(dir), redisUrl, store).withRepairer(repairer);
    repairs = repairs.withJournal(journal.apply(repairs.journal()));
    StranglerServer server =
        StranglerServer.start(
            config,
            legacy,
            legacyShadow,
            controlPlane,
            controlPlaneShadow,
            OverridingFlags.wrap(ClosingFlags.file(flagsFile, audit)),
            StranglerServer.DiffSetup.defaults(audit),
            TrafficRecorder.disabled(),
            // No automatic rollback: these tests hold the mode to watch the repairs in it (a shadow
            // store that is down makes calls inconsistent, which would step the API back).
            CutoverConfig.defaults().withRollback(RollbackConfig.off()),
            repairs);
    return new RepairHarness(
        server,
        LegacyRedisControlPlane.create(redisUrl, RedisPoolSettings.of(2)),
        new PostgresControlPlane(
            store.jdbcUrl(), store.user(), store.password(), PostgresPoolSettings.of(2)),
        Stores.open(redisUrl, store, 2, Clock.systemUTC(), Duration.ofSeconds(10)));
  }

  /** A call of the control API; a connection failure or timeout is answered as status 0. */
  Answer post(String operation, String body) {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/" + operation))
            .timeout(Duration.ofSeconds(15))
            .header("Content-Type", "application/json")
            .header("X-Request-Id", "h-" + seq.incrementAndGet())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Answer(0, String.valueOf(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, "interrupted");
    }
  }

  record Answer(int status, String body) {
    JsonNode json() {
      return RepairHarness.json(body);
    }
  }

  JsonNode adminJson(String path) {
    return json(admin("GET", path, null).body());
  }

  Answer admin(String method, String path, String body) {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + TOKEN)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A drift scan of every entity of both stores, as {@code strangler drift scan --entities all}.
   */
  DriftReport scan() {
    try {
      return stores.scanner().scan(DriftScanner.Options.all());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(String s) {
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
    stores.close();
  }
}
