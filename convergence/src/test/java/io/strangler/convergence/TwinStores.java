package io.strangler.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.importer.ImportMode;
import io.strangler.importer.ImportOptions;
import io.strangler.importer.ImportOutcome;
import io.strangler.importer.Importer;
import io.strangler.importer.SeedOptions;
import io.strangler.importer.Seeder;
import io.strangler.servers.RealServers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.Jedis;

/**
 * Both stores holding the same control plane, as after a cut-in: the seeder writes a legacy dataset
 * to the test's Redis database, and the importer loads it into a fresh PostgreSQL database. Tests
 * then change one store directly and check what the convergence tools see.
 */
final class TwinStores implements AutoCloseable {
  private static final AtomicInteger DBS = new AtomicInteger();

  final RealServers.RedisDb redisDb;
  final PostgresEndpoint server;
  final PostgresEndpoint pg;
  final String pgName;
  final Instant seededAt;
  final Stores stores;

  private TwinStores(
      RealServers.RedisDb redisDb,
      PostgresEndpoint server,
      PostgresEndpoint pg,
      String pgName,
      Instant seededAt,
      int pool) {
    this.redisDb = redisDb;
    this.server = server;
    this.pg = pg;
    this.pgName = pgName;
    this.seededAt = seededAt;
    this.stores =
        Stores.open(redisDb.uri(), pg.jdbcUrl() + credentials(pg), pool, Clock.systemUTC());
  }

  static TwinStores seed(
      RealServers.RedisDb redis, RealServers.PostgresDb server, int repls, int machines) {
    redis.flush();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Seeder.seed(
        SeedOptions.builder()
            .redis(redis.uri())
            .repls(repls)
            .machines(machines)
            .seed(11)
            .now(now)
            .build());
    String name = "conv_" + ProcessHandle.current().pid() + "_" + DBS.incrementAndGet();
    PostgresEndpoint db = server.server().createDatabase(name);
    ImportOutcome outcome =
        Importer.run(
            ImportOptions.builder()
                .redis(redis.uri())
                .postgres(db)
                .mode(ImportMode.REPLACE)
                .progress(ImportOptions.Progress.NONE)
                .build());
    assertThat(outcome).isInstanceOf(ImportOutcome.Imported.class);
    return new TwinStores(redis, server.server(), db, name, now, 12);
  }

  private static String credentials(PostgresEndpoint pg) {
    if (pg.user() == null) {
      return "";
    }
    String sep = pg.jdbcUrl().contains("?") ? "&" : "?";
    return sep + "user=" + pg.user() + (pg.password() == null ? "" : "&password=" + pg.password());
  }

  Jedis redis() {
    return redisDb.connect();
  }

  void sql(String... statements) {
    try (Connection c = pg.connect();
        Statement s = c.createStatement()) {
      for (String st : statements) {
        s.execute(st);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  DriftReport scan() {
    try {
      return stores.scanner().scan(DriftScanner.Options.all());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  DriftRepair.Report repair(Side from) {
    try {
      return stores
          .repair()
          .repair(
              new DriftRepair.Options(DriftScanner.Options.all(), from, false, 0),
              DriftScanner.Progress.NONE);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stores.close();
    server.dropDatabase(pgName);
  }
}
