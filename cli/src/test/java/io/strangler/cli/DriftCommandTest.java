package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.importer.ImportMode;
import io.strangler.importer.ImportOptions;
import io.strangler.importer.ImportOutcome;
import io.strangler.importer.Importer;
import io.strangler.importer.SeedOptions;
import io.strangler.importer.Seeder;
import io.strangler.servers.RealServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strangler drift scan|repair} on stores seeded alike: exit 0 when equal, 3 with the drift
 * named, a dry run changes nothing, a repair from the named side makes them equal, 2 for bad usage.
 */
@ExtendWith(RealServers.class)
class DriftCommandTest {

  @Test
  void scanThenRepair_reportsDrift_withExitCodes(
      RealServers.RedisDb redis, RealServers.PostgresDb pg, @TempDir Path dir) throws Exception {
    redis.flush();
    Seeder.seed(SeedOptions.builder().redis(redis.uri()).repls(300).machines(8).build());
    String name = "drift_cli_" + ProcessHandle.current().pid();
    PostgresEndpoint db = pg.server().createDatabase(name);
    try {
      assertThat(
              Importer.run(
                  ImportOptions.builder()
                      .redis(redis.uri())
                      .postgres(db)
                      .mode(ImportMode.REPLACE)
                      .progress(ImportOptions.Progress.NONE)
                      .build()))
          .isInstanceOf(ImportOutcome.Imported.class);
      String pgUrl =
          db.jdbcUrl()
              + (db.user() == null ? "" : "?user=" + db.user())
              + (db.password() == null ? "" : "&password=" + db.password());

      Run equal = run("drift", "scan", "--redis", redis.uri(), "--postgres", pgUrl);
      assertThat(equal.code).as(equal.out).isZero();
      assertThat(equal.out).contains("the stores are equal");

      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        s.execute("UPDATE machines SET address = '10.9.9.9' WHERE machine_id = 'm-00002'");
      }
      Path report = dir.resolve("drift.json");
      Run drift =
          run(
              "drift",
              "scan",
              "--redis",
              redis.uri(),
              "--postgres",
              pgUrl,
              "--entities",
              "machines,repls",
              "--json",
              "--report",
              report.toString());
      assertThat(drift.code).as(drift.out).isEqualTo(3);
      assertThat(drift.out).contains("\"m-00002\"").contains("/address");
      assertThat(Files.readString(report)).contains("\"different\" : 1");

      Run dry =
          run(
              "drift",
              "repair",
              "--redis",
              redis.uri(),
              "--postgres",
              pgUrl,
              "--from",
              "legacy",
              "--dry-run");
      assertThat(dry.code).as(dry.out).isEqualTo(3);
      assertThat(dry.out).contains("machines/m-00002 would sync from legacy");

      Run fixed =
          run("drift", "repair", "--redis", redis.uri(), "--postgres", pgUrl, "--from", "legacy");
      assertThat(fixed.code).as(fixed.out).isZero();
      assertThat(fixed.out).contains("machines/m-00002 synced from legacy");
      assertThat(run("drift", "scan", "--redis", redis.uri(), "--postgres", pgUrl).code).isZero();

      assertThat(
              run(
                      "drift",
                      "scan",
                      "--redis",
                      redis.uri(),
                      "--postgres",
                      pgUrl,
                      "--entities",
                      "apps")
                  .code)
          .isEqualTo(2);
      assertThat(
              run("drift", "repair", "--redis", redis.uri(), "--postgres", pgUrl, "--from", "both")
                  .code)
          .isEqualTo(2);
    } finally {
      pg.server().dropDatabase(name);
    }
  }

  private record Run(int code, String out) {}

  private static Run run(String... args) {
    PrintStream old = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = Main.run(args);
    } finally {
      System.setOut(old);
      System.setErr(oldErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8));
  }
}
