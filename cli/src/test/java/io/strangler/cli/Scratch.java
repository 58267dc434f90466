package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** Store chores of the replay tests: empty stores with a topology, URLs for the command line, reports. */
final class Scratch {
  private Scratch() {}

  /** Empties both stores and gives both the topology, as a fresh deployment would start. */
  static void freshStores(RedisDb redis, PostgresDb pg, Topology topology) throws Exception {
    redis.flush();
    try (var c = pg.database().connect(); var s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane controlPlane = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      legacy.applyTopology(topology);
      controlPlane.applyTopology(topology);
    }
  }

  /** {@code postgresql://user[:password]@host:port/db} of the test database, as a user types it. */
  static String postgresUrl(PostgresDb pg) {
    URI jdbc = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    String user = pg.user() == null ? "postgres" : pg.user();
    String auth = pg.password() == null || pg.password().isEmpty() ? user : user + ":" + pg.password();
    return "postgresql://" + auth + "@" + jdbc.getHost() + ":" + jdbc.getPort() + jdbc.getPath();
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
