package io.strangler.diff.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.servers.RealServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RealServers.class)
class MismatchStoreMigrationTest {

  @Test
  void open_databaseWithAnotherApplicationsFlywayHistory_addsItsTableBesideIt(
      RealServers.PostgresDb db) throws SQLException {
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE repl (repl_id TEXT PRIMARY KEY)");
      s.execute(
          "CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version TEXT)");
      s.execute("INSERT INTO flyway_schema_history VALUES (1, '7')");
    }

    try (MismatchStore store =
        MismatchStore.open(
            db.jdbcUrl(), db.user(), db.password(), DiffConfig.defaults(), Clock.systemUTC())) {
      assertThat(store.recent(Optional.empty(), 10)).isEmpty();
    }
    try (MismatchStore again =
        MismatchStore.open(
            db.jdbcUrl(), db.user(), db.password(), DiffConfig.defaults(), Clock.systemUTC())) {
      assertThat(again.recent(Optional.empty(), 10)).isEmpty();
    }

    try (Connection c = db.database().connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version, success FROM "
                    + MismatchStore.HISTORY_TABLE
                    + " WHERE version IS NOT NULL ORDER BY installed_rank")) {
      StringBuilder history = new StringBuilder();
      while (rs.next()) {
        history.append(rs.getString(1)).append(rs.getBoolean(2) ? " ok;" : " failed;");
      }
      assertThat(history.toString()).isEqualTo("0 ok;1 ok;2 ok;");
    }
    try (Connection c = db.database().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM flyway_schema_history")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).as("the other history is untouched").isEqualTo("7");
      assertThat(rs.next()).isFalse();
    }
  }
}
