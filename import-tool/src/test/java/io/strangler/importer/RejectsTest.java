package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.CallContext;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * A legacy database with one of each kind of damage, written by hand beside valid records: every
 * damaged record is rejected with its reason and counted, the valid ones are imported, and
 * --max-rejects below the count fails the import with nothing changed.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RejectsTest {
  @TempDir static Path dir;

  private OwnRedis redis;
  private Path rdb;
  private RealServers.PostgresDb pg;

  @BeforeAll
  void writeDamagedBackup(RealServers.PostgresDb pg) {
    this.pg = pg;
    redis = OwnRedis.embedded(dir);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Instant past = now.minus(1, ChronoUnit.HOURS);
    try (LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(0), 2)) {
      legacy.applyTopology(new Topology(Map.of("region-1", List.of("c1", "c2"))));
      legacy.registerMachine(new RegisterMachineRequest("m1", "c1", "10.0.0.1", 10), ctx(1, past));
      legacy.registerMachine(new RegisterMachineRequest("m2", "c2", "10.0.0.2", 10), ctx(2, past));
      for (String id : List.of("r-ok", "r-a", "r-race")) {
        legacy.createRepl(
            new CreateReplRequest(id, "owner", "slug-" + id, "region-1"), ctx(3, past));
      }
      legacy.connectRepl(new ConnectReplRequest("r-ok"), ctx(4, past));
    }
    try (Jedis j = redis.connect(0)) {
      String okCluster = j.hget("repl:r-ok", "cluster");
      String okMachine = okCluster.equals("c1") ? "m1" : "m2";
      String ms = Long.toString(past.toEpochMilli());
      // unknown_cluster: the repl names a cluster the topology lacks.
      j.hset("repl:r-nowhere", replHash("r-nowhere", "slug-nowhere", "region-1", "c9", ms));
      j.set("slug:slug-nowhere", "r-nowhere");
      // slug_conflict: r-b has r-a's slug; the slug key names r-a.
      j.hset("repl:r-b", replHash("r-b", "slug-r-a", "region-1", okCluster, ms));
      // dangling_repl: a container of a repl that does not exist, and a tombstone of one.
      j.hset(
          "container:ctr-orphan",
          containerHash("ctr-orphan", "r-missing", okMachine, okCluster, ms));
      j.zadd("machine:" + okMachine + ":containers", past.toEpochMilli(), "ctr-orphan");
      j.hset("tombstone:r-missing", tombstoneHash("r-missing", ms, now.plusSeconds(600)));
      // duplicate_running: the legacy race left two RUNNING containers; current names the second.
      String raceCluster = j.hget("repl:r-race", "cluster");
      String raceMachine = raceCluster.equals("c1") ? "m1" : "m2";
      for (String c : List.of("ctr-race-1", "ctr-race-2")) {
        j.hset("container:" + c, containerHash(c, "r-race", raceMachine, raceCluster, ms));
        j.zadd("repl:r-race:containers", past.toEpochMilli(), c);
        j.zadd("machine:" + raceMachine + ":containers", past.toEpochMilli(), c);
        j.sadd("machine:" + raceMachine + ":running", c);
      }
      j.set("repl:r-race:current", "ctr-race-2");
      // stale_running_member: a running-set member that is no container.
      j.sadd("machine:m1:running", "ctr-ghost");
      // dangling_slug: a slug key naming no repl.
      j.set("slug:slug-ghost", "r-ghost");
      // malformed: a repl without ownerId, a machine with a capacity that is no number.
      Map<String, String> noOwner = replHash("r-bad", "slug-bad", "region-1", okCluster, ms);
      noOwner.remove("ownerId");
      j.hset("repl:r-bad", noOwner);
      j.set("slug:slug-bad", "r-bad");
      j.hset(
          "machine:m-bad",
          Map.of(
              "machineId",
              "m-bad",
              "cluster",
              "c1",
              "address",
              "x",
              "capacity",
              "lots",
              "state",
              "ACTIVE",
              "cpuPercent",
              "0.0",
              "registeredAt",
              ms,
              "lastHeartbeatAt",
              ms));
      // unknown_key and wrong_type.
      j.set("session:abc", "1");
      j.rpush("repl:r-list", "x");
      // Skipped as expired: a tombstone whose expiresAt is before the backup's time, and one whose
      // key had expired in Redis but was still in memory when the backup was saved.
      j.hset("tombstone:r-ok", tombstoneHash("r-ok", ms, now.minusSeconds(5)));
      // Keep expired keys in memory, as a busy server does until it gets round to them.
      ProtocolCommand debug = () -> "DEBUG".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      j.sendCommand(debug, "SET-ACTIVE-EXPIRE", "0");
      j.hset("tombstone:r-a", tombstoneHash("r-a", ms, now.plusSeconds(600)));
      j.pexpire("tombstone:r-a", 1);
    }
    // The backup's time (its ctime, whole seconds) must pass the key's expiry.
    Instant expired = Instant.now().plusSeconds(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expired));
    rdb = redis.save();
  }

  @AfterAll
  void stopRedis() {
    redis.close();
  }

  @Test
  void everyDamagedRecord_isRejectedWithItsReason_andTheRestImported() throws IOException {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      Path file = dir.resolve("rejects.jsonl");
      ImportOutcome out =
          Importer.run(
              ImportOptions.builder()
                  .rdb(rdb)
                  .postgres(db)
                  .rejectsFile(file)
                  // A third of this backup is damage, on purpose.
                  .maxRejectShare(100.0)
                  .progress(ImportOptions.Progress.NONE)
                  .build());

      assertThat(out).isInstanceOf(ImportOutcome.Imported.class);
      ImportSummary s = ((ImportOutcome.Imported) out).summary();
      assertThat(s.rejects())
          .containsOnly(
              entry("unknown_cluster", 1L),
              entry("slug_conflict", 1L),
              entry("dangling_repl", 2L),
              entry("duplicate_running", 1L),
              entry("stale_running_member", 1L),
              entry("dangling_slug", 2L),
              entry("malformed", 2L),
              entry("unknown_key", 1L),
              entry("wrong_type", 1L));
      assertThat(s.skippedExpired()).isEqualTo(2);
      assertThat(s.imported("repls")).isEqualTo(3); // r-ok, r-a, r-race
      assertThat(s.imported("machines")).isEqualTo(2);
      assertThat(s.imported("containers")).isEqualTo(2); // r-ok's and ctr-race-2
      assertThat(s.imported("tombstones")).isZero();

      List<String> lines = new ArrayList<>();
      ObjectMapper json = new ObjectMapper();
      for (String line : Files.readAllLines(file)) {
        JsonNode n = json.readTree(line);
        lines.add(n.get("key").asText() + " " + n.get("reason").asText());
        assertThat(n.has("detail") || n.get("reason").asText().equals("unknown_key")).isTrue();
      }
      assertThat(lines)
          .containsExactlyInAnyOrder(
              "repl:r-nowhere unknown_cluster",
              "repl:r-b slug_conflict",
              "container:ctr-orphan dangling_repl",
              "tombstone:r-missing dangling_repl",
              "container:ctr-race-1 duplicate_running",
              "machine:m1:running stale_running_member",
              "slug:slug-ghost dangling_slug",
              "slug:slug-bad dangling_slug",
              "repl:r-bad malformed",
              "machine:m-bad malformed",
              "session:abc unknown_key",
              "repl:r-list wrong_type");
      assertThat(
              TableDump.count(db, "SELECT running_containers FROM machines WHERE machine_id = 'm1'")
                  + TableDump.count(
                      db, "SELECT running_containers FROM machines WHERE machine_id = 'm2'"))
          .isEqualTo(2);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void moreRejectsThanAllowed_failsTheImport_andChangesNothing() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      ImportOutcome out =
          Importer.run(
              ImportOptions.builder()
                  .rdb(rdb)
                  .postgres(db)
                  .maxRejects(12)
                  .progress(ImportOptions.Progress.NONE)
                  .build());
      assertThat(out).isInstanceOf(ImportOutcome.Imported.class);

      ImportOutcome tooMany =
          Importer.run(
              ImportOptions.builder()
                  .rdb(rdb)
                  .postgres(db)
                  .mode(ImportMode.REPLACE)
                  .maxRejects(11)
                  .progress(ImportOptions.Progress.NONE)
                  .build());
      Map<String, List<String>> before = TableDump.of(db);
      assertThat(tooMany).isInstanceOf(ImportOutcome.Failed.class);
      ImportOutcome.Failed f = (ImportOutcome.Failed) tooMany;
      assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.TOO_MANY_REJECTS);
      assertThat(f.message())
          .startsWith("more than 11 rejected records (--max-rejects 11)")
          .endsWith("the control plane was not changed");
      assertThat(TableDump.of(db)).isEqualTo(before);

    } finally {
      RoundTripTest.drop(pg, db);
    }
    // Rejects found while reading stop the import early, before anything is moved.
    PostgresEndpoint empty = RoundTripTest.freshDatabase(pg);
    try {
      ImportOutcome none =
          Importer.run(
              ImportOptions.builder()
                  .rdb(rdb)
                  .postgres(empty)
                  .maxRejects(0)
                  .progress(ImportOptions.Progress.NONE)
                  .build());
      assertThat(none).isInstanceOf(ImportOutcome.Failed.class);
      assertThat(((ImportOutcome.Failed) none).kind())
          .isEqualTo(ImportOutcome.FailureKind.TOO_MANY_REJECTS);
      assertThat(TableDump.of(empty).values()).allSatisfy(rows -> assertThat(rows).isEmpty());
    } finally {
      RoundTripTest.drop(pg, empty);
    }
  }

  private static CallContext ctx(int n, Instant at) {
    return CallContext.of("rejects-" + n, at);
  }

  private static Map<String, String> replHash(
      String id, String slug, String region, String cluster, String ms) {
    return new java.util.HashMap<>(
        Map.of(
            "replId",
            id,
            "ownerId",
            "owner",
            "slug",
            slug,
            "region",
            region,
            "cluster",
            cluster,
            "createdAt",
            ms));
  }

  private static Map<String, String> containerHash(
      String id, String repl, String machine, String cluster, String ms) {
    return Map.of(
        "containerId",
        id,
        "replId",
        repl,
        "machineId",
        machine,
        "cluster",
        cluster,
        "state",
        "RUNNING",
        "startedAt",
        ms);
  }

  private static Map<String, String> tombstoneHash(String repl, String ms, Instant expiresAt) {
    return Map.of(
        "replId",
        repl,
        "from",
        "c2",
        "to",
        "c1",
        "createdAt",
        ms,
        "expiresAt",
        Long.toString(expiresAt.toEpochMilli()));
  }
}
