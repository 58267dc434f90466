package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.RealServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Seed, SAVE by a real redis-server, import the RDB, verify every repl: with the embedded Redis 6.2
 * and with the system's Redis 7 when installed. The dataset carries every encoding the parser must
 * read; the SCAN import of the same server must land the same rows.
 */
@ExtendWith(RealServers.class)
class RoundTripTest {
  private static final AtomicInteger DBS = new AtomicInteger();
  private static final int REPLS = 600;

  @Test
  void redis62Backup_importsEveryRecord_andVerifiesAtFullParity(
      RealServers.PostgresDb pg, @TempDir Path dir) {
    try (OwnRedis redis = OwnRedis.embedded(dir)) {
      assertThat(redis.version()).startsWith("6.2");
      roundTrip(redis, pg, dir);
    }
  }

  @Test
  void redis7Backup_importsEveryRecord_andVerifiesAtFullParity(
      RealServers.PostgresDb pg, @TempDir Path dir) {
    Optional<OwnRedis> system = OwnRedis.system(dir);
    assumeTrue(system.isPresent(), "no system redis-server at " + OwnRedis.SYSTEM_REDIS);
    try (OwnRedis redis = system.get()) {
      assertThat(redis.version()).startsWith("7.");
      roundTrip(redis, pg, dir);
    }
  }

  private void roundTrip(OwnRedis redis, RealServers.PostgresDb pg, Path dir) {
    Instant now = Instant.now();
    SeedSummary seeded =
        Seeder.seed(
            SeedOptions.builder()
                .redis(redis.uri(0))
                .repls(REPLS)
                .machines(24)
                .seed(7)
                .now(now)
                .build());
    Map<String, List<String>> encodings = EncodingFixtures.addTo(redis.uri(0), now);
    try (Jedis j = redis.connect(0)) {
      encodings.forEach(
          (key, expected) -> assertThat(j.objectEncoding(key)).as(key).isIn(expected));
      // Keys of another logical database are left alone.
      j.select(3);
      j.set("slug:elsewhere", "repl-x");
    }
    Path rdb = redis.save();

    PostgresEndpoint fromRdb = freshDatabase(pg);
    PostgresEndpoint fromScan = freshDatabase(pg);
    try {
      ImportOutcome outcome =
          Importer.run(
              ImportOptions.builder()
                  .rdb(rdb)
                  .postgres(fromRdb)
                  .rejectsFile(dir.resolve("rejects.jsonl"))
                  .verify(REPLS + 10)
                  .verifyRedis(redis.uri(0))
                  .progress(ImportOptions.Progress.NONE)
                  .build());

      assertThat(outcome).isInstanceOf(ImportOutcome.Imported.class);
      ImportOutcome.Imported imported = (ImportOutcome.Imported) outcome;
      ImportSummary s = imported.summary();
      assertThat(s.rejects()).isEmpty();
      assertThat(s.keysInOtherDbs()).isEqualTo(1);
      assertThat(s.imported("repls")).isEqualTo(seeded.repls() + 2);
      assertThat(s.imported("machines")).isEqualTo(seeded.machines() + 3);
      assertThat(s.imported("containers")).isEqualTo(seeded.containers() + 131);
      assertThat(s.imported("tombstones")).isEqualTo(seeded.tombstones() + 2);
      assertThat(s.imported("clusters")).isEqualTo(seeded.clusters() + 1);
      assertThat(s.backupTime()).isBetween(now.minusSeconds(5), Instant.now());
      assertThat(TableDump.count(fromRdb, "SELECT sum(running_containers) FROM machines"))
          .isEqualTo(seeded.runningContainers() + 2);

      VerifyReport verify = imported.verify();
      assertThat(verify.sampled()).isEqualTo(REPLS + 2);
      assertThat(verify.differences()).isEmpty();
      assertThat(verify.parity()).isEqualTo(100.0);
      assertThat(imported.exitCode()).isZero();

      ImportOutcome scanned =
          Importer.run(
              ImportOptions.builder()
                  .redis(redis.uri(0))
                  .postgres(fromScan)
                  .progress(ImportOptions.Progress.NONE)
                  .build());
      assertThat(scanned).isInstanceOf(ImportOutcome.Imported.class);
      assertThat(((ImportOutcome.Imported) scanned).summary().rejects()).isEmpty();
      assertThat(TableDump.of(fromScan)).isEqualTo(TableDump.of(fromRdb));
      assertThat(Files.readString(dir.resolve("rejects.jsonl"))).isEmpty();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      drop(pg, fromRdb);
      drop(pg, fromScan);
    }
  }

  static PostgresEndpoint freshDatabase(RealServers.PostgresDb pg) {
    return pg.server().createDatabase(pg.name() + "_" + DBS.incrementAndGet());
  }

  static void drop(RealServers.PostgresDb pg, PostgresEndpoint db) {
    String url = db.jdbcUrl();
    pg.server().dropDatabase(url.substring(url.lastIndexOf('/') + 1));
  }
}
