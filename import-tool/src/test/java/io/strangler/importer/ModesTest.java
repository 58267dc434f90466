package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * EMPTY refuses a control plane that holds data; REPLACE and MERGE run twice give the same
 * database; REPLACE drops what the backup lacks, MERGE keeps it; the bulk load's dropped indexes
 * and foreign keys all come back.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModesTest {
  @TempDir static Path dir;

  private RealServers.PostgresDb pg;
  private Path first;
  private Path second;
  private String stoppedLater;

  /** Two backups of one legacy database: the second has a new repl and a container stopped. */
  @BeforeAll
  void twoBackups(RealServers.PostgresDb pg) throws IOException {
    this.pg = pg;
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try (OwnRedis redis = OwnRedis.embedded(dir)) {
      Seeder.seed(
          SeedOptions.builder().redis(redis.uri(0)).repls(400).machines(12).now(now).build());
      first = Files.move(redis.save(), dir.resolve("first.rdb"));
      try (Jedis j = redis.connect(0)) {
        String replId = j.keys("repl:*:current").iterator().next().split(":")[1];
        stoppedLater = j.get("repl:" + replId + ":current");
      }
      try (LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(0), 2)) {
        CallContext ctx = CallContext.of("later", now.plusSeconds(1));
        legacy.stopContainer(new StopContainerRequest(stoppedLater), ctx);
        legacy.createRepl(new CreateReplRequest("repl-new", "o", "brand-new", "region-2"), ctx);
        legacy.connectRepl(new ConnectReplRequest("repl-new"), ctx);
        legacy.heartbeat(new HeartbeatRequest("m-00001", 42.5), ctx);
      }
      second =
          Files.move(redis.save(), dir.resolve("second.rdb"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void emptyMode_refusesAControlPlaneThatHoldsData_andChangesNothing() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      assertThat(run(first, db, ImportMode.EMPTY)).isInstanceOf(ImportOutcome.Imported.class);
      Map<String, List<String>> before = TableDump.of(db);

      ImportOutcome again = run(second, db, ImportMode.EMPTY);

      assertThat(again).isInstanceOf(ImportOutcome.Failed.class);
      ImportOutcome.Failed f = (ImportOutcome.Failed) again;
      assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.TARGET_NOT_EMPTY);
      assertThat(f.message())
          .contains("is not empty: regions (2 rows), clusters (6 rows), repls (400 rows)")
          .contains("use --mode replace to overwrite it or --mode merge to upsert into it");
      assertThat(TableDump.of(db)).isEqualTo(before);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void replaceTwice_givesTheSameDatabase_withEveryIndexAndForeignKeyBack() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    PostgresEndpoint reference = RoundTripTest.freshDatabase(pg);
    try {
      assertThat(run(first, reference, ImportMode.EMPTY))
          .isInstanceOf(ImportOutcome.Imported.class);
      List<String> schema = TableDump.schema(reference);
      assertThat(schema).anyMatch(d -> d.contains("containers_one_running_per_repl"));

      assertThat(run(second, db, ImportMode.EMPTY)).isInstanceOf(ImportOutcome.Imported.class);
      assertThat(run(first, db, ImportMode.REPLACE)).isInstanceOf(ImportOutcome.Imported.class);
      Map<String, List<String>> once = TableDump.of(db);
      assertThat(run(first, db, ImportMode.REPLACE)).isInstanceOf(ImportOutcome.Imported.class);

      assertThat(TableDump.of(db)).isEqualTo(once).isEqualTo(TableDump.of(reference));
      assertThat(once.get("repls")).noneMatch(r -> r.contains("repl-new"));
      assertThat(TableDump.schema(db)).isEqualTo(schema);
    } finally {
      RoundTripTest.drop(pg, db);
      RoundTripTest.drop(pg, reference);
    }
  }

  @Test
  void mergeTwice_givesTheSameDatabase_updatesWhatChanged_andKeepsWhatTheBackupLacks() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      assertThat(run(first, db, ImportMode.EMPTY)).isInstanceOf(ImportOutcome.Imported.class);
      try (PostgresControlPlane plane =
          new PostgresControlPlane(db.jdbcUrl(), db.user(), db.password(), 2)) {
        plane.createRepl(
            new CreateReplRequest("repl-live", "o", "only-live", "region-1"),
            CallContext.of("live", Instant.now()));
      }

      ImportOutcome merged = run(second, db, ImportMode.MERGE);
      assertThat(merged).isInstanceOf(ImportOutcome.Imported.class);
      assertThat(((ImportOutcome.Imported) merged).summary().rejects()).isEmpty();
      Map<String, List<String>> once = TableDump.of(db);
      assertThat(run(second, db, ImportMode.MERGE)).isInstanceOf(ImportOutcome.Imported.class);

      assertThat(TableDump.of(db)).isEqualTo(once);
      assertThat(once.get("repls"))
          .anyMatch(r -> r.contains("repl-live"))
          .anyMatch(r -> r.contains("repl-new"));
      assertThat(
              TableDump.count(
                  db,
                  "SELECT count(*) FROM containers WHERE state = 'STOPPED' AND container_id = '"
                      + stoppedLater
                      + "'"))
          .isEqualTo(1);
      assertThat(TableDump.count(db, "SELECT count(*) FROM machines WHERE cpu_percent = 42.5"))
          .isEqualTo(1);
      assertThat(
              TableDump.count(
                  db,
                  "SELECT count(*) FROM machines m WHERE running_containers <> (SELECT count(*)"
                      + " FROM containers c WHERE c.machine_id = m.machine_id AND c.state ="
                      + " 'RUNNING')"))
          .isZero();
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void merge_rejectsABackupReplWhoseSlugAnotherReplHolds() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      assertThat(run(first, db, ImportMode.EMPTY)).isInstanceOf(ImportOutcome.Imported.class);
      try (PostgresControlPlane plane =
          new PostgresControlPlane(db.jdbcUrl(), db.user(), db.password(), 2)) {
        plane.createRepl(
            new CreateReplRequest("repl-squatter", "o", "brand-new", "region-1"),
            CallContext.of("squat", Instant.now()));
      }

      ImportOutcome merged = run(second, db, ImportMode.MERGE);

      assertThat(merged).isInstanceOf(ImportOutcome.Imported.class);
      ImportSummary s = ((ImportOutcome.Imported) merged).summary();
      assertThat(s.rejects()).containsEntry("slug_taken", 1L);
      assertThat(TableDump.count(db, "SELECT count(*) FROM repls WHERE repl_id = 'repl-new'"))
          .isZero();
      // Its container goes with it.
      assertThat(s.rejects()).containsEntry("dangling_repl", 1L);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  private static ImportOutcome run(Path rdb, PostgresEndpoint db, ImportMode mode) {
    return Importer.run(
        ImportOptions.builder()
            .rdb(rdb)
            .postgres(db)
            .mode(mode)
            .progress(ImportOptions.Progress.NONE)
            .build());
  }
}
