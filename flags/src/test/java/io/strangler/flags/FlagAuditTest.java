package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.getunleash.FakeUnleash;
import io.getunleash.variant.Variant;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(RealServers.class)
class FlagAuditTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"), ZoneOffset.UTC);

  private final PostgresDb db;
  private FlagAudit audit;
  @TempDir Path dir;

  FlagAuditTest(PostgresDb db) {
    this.db = db;
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }

  @BeforeEach
  void open() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS flag_audit");
      s.execute("DROP TABLE IF EXISTS flyway_flags_history");
      // Another module's table in the same schema: the audit must migrate beside it.
      s.execute("CREATE TABLE IF NOT EXISTS someone_elses_table (id int)");
    }
    audit = FlagAudit.postgres(db.jdbcUrl(), db.user(), db.password());
  }

  @AfterEach
  void close() {
    audit.close();
  }

  @Test
  void append_thenLatest_newestFirst() {
    for (int i = 0; i < 5; i++) {
      audit.append(
          new AuditEntry(
              Instant.parse("2026-01-01T00:00:0" + i + "Z"),
              "file",
              "GetRepl",
              "m" + i,
              "m" + (i + 1),
              i == 4 ? "alice" : null));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> audit.latest(10).size() == 5);
    List<AuditEntry> latest = audit.latest(2);
    assertThat(latest)
        .containsExactly(
            new AuditEntry(
                Instant.parse("2026-01-01T00:00:04Z"), "file", "GetRepl", "m4", "m5", "alice"),
            new AuditEntry(
                Instant.parse("2026-01-01T00:00:03Z"), "file", "GetRepl", "m3", "m4", null));
    assertThat(audit.dropped()).isZero();
  }

  @Test
  void migrate_ownHistoryTable_besideOtherSchemas() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        var r =
            s.executeQuery(
                "SELECT version FROM flyway_flags_history WHERE success ORDER BY installed_rank")) {
      List<String> versions = new java.util.ArrayList<>();
      while (r.next()) {
        versions.add(r.getString(1));
      }
      assertThat(versions).containsExactly("0", "1", "2", "3");
    }
    // Migrating again (a restart) is a no-op.
    FlagAudit again = FlagAudit.postgres(db.jdbcUrl(), db.user(), db.password());
    again.close();
  }

  @Test
  void latest_limitOutOfRange_isRejected() {
    assertThatThrownBy(() -> audit.latest(0)).hasMessage("limit must be within 1..1000, got 0");
  }

  @Test
  void close_flushesWhatIsQueued() {
    for (int i = 0; i < 300; i++) {
      audit.append(new AuditEntry(CLOCK.instant(), "file", "Op" + i, "none", "SHADOW", null));
    }
    audit.close();
    audit = FlagAudit.postgres(db.jdbcUrl(), db.user(), db.password());
    assertThat(audit.latest(1000)).hasSize(300);
  }

  @Test
  void fileFlags_setAndEdits_areAuditedWithWho() throws IOException {
    Path f = dir.resolve("flags.json");
    Files.writeString(f, "{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    try (FileFlags flags = FileFlags.builder(f).audit(audit).clock(CLOCK).build()) {
      assertThat(flags.set("GetRepl", Mode.NEW_PRIMARY, 10, "alice"))
          .isInstanceOf(SetResult.Applied.class);
      Path tmp = dir.resolve("edit.tmp");
      Files.writeString(
          tmp,
          "{\"killNew\": true, \"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\","
              + " \"rolloutPercent\": 10}, \"CreateRepl\": {\"mode\": \"SHADOW\"}}}");
      Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(5)).until(() -> flags.audit(10).size() == 3);
      assertThat(flags.audit(10))
          .containsExactly(
              new AuditEntry(CLOCK.instant(), "file", "CreateRepl", "none", "SHADOW", null),
              new AuditEntry(CLOCK.instant(), "file", "kill.new", "off", "on", null),
              new AuditEntry(
                  CLOCK.instant(), "file", "GetRepl", "SHADOW", "NEW_PRIMARY 10%", "alice"));
    }
  }

  @Test
  void unleashFlags_changesSeen_areAudited() {
    FakeUnleash fake = new FakeUnleash();
    fake.enable("strangler.GetRepl");
    fake.setVariant("strangler.GetRepl", new Variant("SHADOW", (String) null, true));
    try (UnleashFlags flags =
        UnleashFlags.builder()
            .client(fake)
            .audit(audit)
            .clock(CLOCK)
            .refreshInterval(Duration.ofMillis(20))
            .build()) {
      fake.setVariant("strangler.GetRepl", new Variant("NEW_PRIMARY", (String) null, true));
      fake.enable(UnleashFlags.KILL_LEGACY);
      await().atMost(Duration.ofSeconds(5)).until(() -> flags.audit(10).size() == 2);
      assertThat(flags.audit(10))
          .containsExactlyInAnyOrder(
              new AuditEntry(CLOCK.instant(), "unleash", "kill.legacy", "off", "on", null),
              new AuditEntry(
                  CLOCK.instant(),
                  "unleash",
                  "GetRepl",
                  "SHADOW (custom rollout)",
                  "NEW_PRIMARY (custom rollout)",
                  null));
    }
  }
}
