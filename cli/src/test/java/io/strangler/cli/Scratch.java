package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * Store chores of the replay tests: empty stores with a topology, URLs for the command line,
 * reports.
 */
final class Scratch {
  private Scratch() {}

  /** Empties both stores and gives both the topology, as a fresh deployment would start. */
  static void freshStores(RedisDb redis, PostgresDb pg, Topology topology) throws Exception {
    redis.flush();
    try (var c = pg.database().connect();
        var s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      legacy.applyTopology(topology);
      controlPlane.applyTopology(topology);
    }
  }

  /** {@code postgresql://user[:password]@host:port/db} of the test database, as a user types it. */
  static String postgresUrl(PostgresDb pg) {
    URI jdbc = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    String user = pg.user() == null ? "postgres" : pg.user();
    String auth =
        pg.password() == null || pg.password().isEmpty() ? user : user + ":" + pg.password();
    return "postgresql://" + auth + "@" + jdbc.getHost() + ":" + jdbc.getPort() + jdbc.getPath();
  }

  /**
   * The same small world written into both stores with the same calls: region {@code us} with
   * clusters us-1 and us-2 (the topology must be there), a machine in each, repls r-0.. (slugs
   * app-0..), every other one running.
   */
  static void seedSmallWorld(int repls, ControlPlane... planes) {
    Instant t = Instant.parse("2026-11-21T07:00:00Z");
    for (ControlPlane p : planes) {
      int n = 0;
      for (String c : List.of("us-1", "us-2")) {
        p.registerMachine(
            new RegisterMachineRequest("m-" + c, c, "10.0.0." + c.charAt(3), 10),
            new CallContext("seed-" + n++, t));
      }
      for (int i = 0; i < repls; i++) {
        p.createRepl(
            new CreateReplRequest("r-" + i, "o", "app-" + i, "us"),
            new CallContext("seed-" + n++, t));
        if (i % 2 == 0) {
          p.connectRepl(new ConnectReplRequest("r-" + i), new CallContext("seed-" + n++, t));
        }
      }
    }
  }

  /** Corrupts the legacy store: the repl's hash names the other cluster of {@code us}. */
  static void moveReplInRedis(RedisDb redis, ControlPlane legacy, String replId) {
    String cluster =
        legacy
            .getRepl(new GetReplRequest(replId), new CallContext("look", Instant.now()))
            .cluster();
    setClusterInRedis(redis, replId, cluster.equals("us-1") ? "us-2" : "us-1");
  }

  static void setClusterInRedis(RedisDb redis, String replId, String cluster) {
    try (Jedis j = redis.connect()) {
      j.hset("repl:" + replId, "cluster", cluster);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return ControlApiJson.mapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The report's entry of one API. */
  static JsonNode api(JsonNode report, String api) {
    for (JsonNode a : report.path("apis")) {
      if (a.path("api").asText().equals(api)) {
        return a;
      }
    }
    throw new AssertionError("no " + api + " in the report: " + report);
  }
}
