package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.RealServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;

/** {@code strangler import} as a user runs it: usage, output and exit codes. */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportCommandTest {
  @TempDir static Path dir;

  private OwnRedis redis;
  private Path rdb;
  private RealServers.PostgresDb pg;

  @BeforeAll
  void backup(RealServers.PostgresDb pg) {
    this.pg = pg;
    redis = OwnRedis.embedded(dir);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Seeder.seed(SeedOptions.builder().redis(redis.uri(0)).repls(120).machines(6).now(now).build());
    rdb = redis.save();
  }

  @AfterAll
  void stop() {
    redis.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new ImportCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String url(PostgresEndpoint db) {
    return db.jdbcUrl()
        + (db.user() == null ? "" : "?user=" + db.user() + "&password=" + db.password());
  }

  @Test
  void help_describesEveryOption_andTheExitCodes() {
    Run r = cli("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("--rdb=FILE", "--redis=URL", "--postgres=URL", "--db=N", "--mode=MODE")
        .contains("--rejects=FILE", "--max-rejects=N", "--verify=N", "--verify-threshold=PERCENT")
        .contains("--verify-redis=URL", "--verify-seed=S", "--progress=HOW")
        .contains("--max-reject-share=PERCENT", "--list-replaced", "--drop-replaced=SCHEMA")
        .contains("Exit codes:", "3   imported, but the verification's parity is below");
  }

  @Test
  void badUsage_exitsWith2_sayingWhatToChange() {
    Run noSource = cli("--postgres", "postgresql://postgres@127.0.0.1/x");
    assertThat(noSource.exit()).isEqualTo(2);
    assertThat(noSource.err())
        .contains("Missing required argument")
        .contains("--rdb=FILE | --redis=URL");

    Run both =
        cli(
            "--rdb",
            rdb.toString(),
            "--redis",
            "redis://127.0.0.1:1/0",
            "--postgres",
            "postgresql://h/x");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");

    Run verifyRdb =
        cli("--rdb", rdb.toString(), "--postgres", "postgresql://h/x", "--verify", "10");
    assertThat(verifyRdb.exit()).isEqualTo(2);
    assertThat(verifyRdb.err()).contains("give --verify-redis URL");

    Run mode = cli("--rdb", rdb.toString(), "--postgres", "postgresql://h/x", "--mode", "upsert");
    assertThat(mode.exit()).isEqualTo(2);
    assertThat(mode.err()).contains("expected empty, replace or merge, got 'upsert'");

    Run postgres = cli("--rdb", rdb.toString(), "--postgres", "mysql://h/x");
    assertThat(postgres.exit()).isEqualTo(2);
    assertThat(postgres.err()).contains("--postgres: expected postgresql://");

    Run missing =
        cli("--rdb", dir.resolve("nope.rdb").toString(), "--postgres", "postgresql://h/x");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--rdb: no such file");
  }

  @Test
  void successfulImport_printsTheSummary_andExits0_thenARepeatIsRefusedWith1() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      Run ok =
          cli(
              "--rdb",
              rdb.toString(),
              "--postgres",
              url(db),
              "--progress",
              "none",
              "--verify",
              "50",
              "--verify-redis",
              redis.uri(0));
      assertThat(ok.exit()).isZero();
      assertThat(ok.out())
          .contains("import of " + rdb + " (mode empty, backup time ")
          .contains("imported         regions 2, clusters 6, repls 120, machines 6")
          .contains("rejected         0")
          .contains("keys/s")
          .contains("verify: 50 of 50 sampled repls match")
          .contains("parity 100.00%");

      Run again = cli("--rdb", rdb.toString(), "--postgres", url(db), "--progress", "none");
      assertThat(again.exit()).isEqualTo(1);
      assertThat(again.err()).startsWith("import failed (target_not_empty): the control plane at");
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void parityBelowTheThreshold_exitsWith3_andShowsTheFirstDifferences() {
    // The legacy race: a second RUNNING container for a repl that has one. The control plane
    // cannot hold it, so the legacy and new reads of that repl differ.
    String replId;
    String machineId;
    try (Jedis j = redis.connect(0)) {
      String currentKey = j.keys("repl:*:current").iterator().next();
      replId = currentKey.split(":")[1];
      Map<String, String> running = j.hgetAll("container:" + j.get(currentKey));
      Map<String, String> twin = new java.util.HashMap<>(running);
      twin.put("containerId", "ctr-twin");
      j.hset("container:ctr-twin", twin);
      long score = Long.parseLong(running.get("startedAt"));
      machineId = running.get("machineId");
      j.zadd("repl:" + replId + ":containers", score, "ctr-twin");
      j.zadd("machine:" + running.get("machineId") + ":containers", score, "ctr-twin");
      j.sadd("machine:" + running.get("machineId") + ":running", "ctr-twin");
    }
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    PostgresEndpoint db2 = RoundTripTest.freshDatabase(pg);
    try {
      Run strict =
          cli(
              "--redis",
              redis.uri(0),
              "--postgres",
              url(db),
              "--progress",
              "none",
              "--verify",
              "1000",
              "--rejects",
              dir.resolve("r.jsonl").toString());
      assertThat(strict.exit()).isEqualTo(3);
      assertThat(strict.out())
          .contains("rejected         1 (duplicate_running 1)")
          .contains("verify: ")
          .contains("FAILED")
          .contains("  " + replId + " ListContainers: MISMATCH");

      Run lenient =
          cli(
              "--redis",
              redis.uri(0),
              "--postgres",
              url(db2),
              "--progress",
              "none",
              "--verify",
              "1000",
              "--verify-threshold",
              "95");
      assertThat(lenient.exit()).isZero();
      assertThat(lenient.out()).contains("(threshold 95.00%): PASSED");
    } finally {
      RoundTripTest.drop(pg, db);
      RoundTripTest.drop(pg, db2);
      try (Jedis j = redis.connect(0)) {
        j.del("container:ctr-twin");
        j.zrem("repl:" + replId + ":containers", "ctr-twin");
        j.zrem("machine:" + machineId + ":containers", "ctr-twin");
        j.srem("machine:" + machineId + ":running", "ctr-twin");
      }
    }
  }
}
