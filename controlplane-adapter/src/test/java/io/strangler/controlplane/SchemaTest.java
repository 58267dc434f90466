package io.strangler.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.util.PSQLException;

/** The migrations, and the rules the schema itself enforces whoever writes to it. */
@ExtendWith(RealServers.class)
class SchemaTest {
  private static final List<String> TABLES =
      List.of("clusters", "containers", "machines", "regions", "repls", "tombstones");

  private final PostgresDb db;

  SchemaTest(PostgresDb db) {
    this.db = db;
  }

  @Test
  void migrations_onAnEmptyDatabase_createEveryTableAndRecordEveryVersion() throws SQLException {
    withScratchDatabase(
        "cp_schema_empty",
        endpoint -> {
          new PostgresControlPlane(endpoint.jdbcUrl(), endpoint.user(), endpoint.password())
              .close();

          assertThat(tables(endpoint)).containsAll(TABLES).contains("flyway_controlplane_history");
          assertThat(appliedVersions(endpoint)).containsExactly("1", "2");
        });
  }

  @Test
  void migrations_onAMigratedDatabase_applyNothingAgain() throws SQLException {
    withScratchDatabase(
        "cp_schema_again",
        endpoint -> {
          new PostgresControlPlane(endpoint.jdbcUrl(), endpoint.user(), endpoint.password())
              .close();
          new PostgresControlPlane(endpoint.jdbcUrl(), endpoint.user(), endpoint.password())
              .close();

          assertThat(appliedVersions(endpoint)).containsExactly("1", "2");
        });
  }

  @Test
  void migrations_besideAnotherComponentsTables_stillApply() throws SQLException {
    withScratchDatabase(
        "cp_schema_shared",
        endpoint -> {
          try (Connection c = endpoint.connect();
              Statement s = c.createStatement()) {
            s.execute("CREATE TABLE diff_reports (id bigint PRIMARY KEY)");
          }

          new PostgresControlPlane(endpoint.jdbcUrl(), endpoint.user(), endpoint.password())
              .close();

          assertThat(tables(endpoint)).containsAll(TABLES).contains("diff_reports");
          assertThat(appliedVersions(endpoint)).contains("1");
        });
  }

  @Test
  void partialUniqueIndex_rejectsASecondRunningContainerOfOneRepl() throws SQLException {
    try (Connection c = seeded()) {
      insertContainer(c, "ctr-a", "r-1", "RUNNING");
      insertContainer(c, "ctr-old", "r-1", "STOPPED");
      insertContainer(c, "ctr-other", "r-2", "RUNNING");

      assertThatThrownBy(() -> insertContainer(c, "ctr-b", "r-1", "RUNNING"))
          .isInstanceOfSatisfying(
              PSQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("23505");
                assertThat(e.getServerErrorMessage().getConstraint())
                    .isEqualTo("containers_one_running_per_repl");
              });
    }
  }

  /**
   * GetHostingMetadata's statement (as in ControlPlaneMapper.xml) reads the slug's repl and the
   * running container from the indexes alone once the rows are settled (vacuumed): index-only scans
   * with no visit to the table. Only the machine's address is read from its row.
   */
  @Test
  void hostingMetadata_readsTheReplAndItsRunningContainer_fromTheIndexesAlone()
      throws SQLException {
    try (Connection c = seeded()) {
      insertContainer(c, "ctr-old", "r-1", "STOPPED");
      insertContainer(c, "ctr-a", "r-1", "RUNNING");
      try (Statement s = c.createStatement()) {
        s.execute("VACUUM ANALYZE repls");
        s.execute("VACUUM ANALYZE containers");
        s.execute("VACUUM ANALYZE machines");
        // The tables are tiny: without this the planner reads them whole, as it should.
        s.execute("SET enable_seqscan = off");
        s.execute("SET enable_bitmapscan = off");
        List<String> plan = new ArrayList<>();
        try (ResultSet rs =
            s.executeQuery(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)"
                    + " SELECT r.repl_id, r.cluster,"
                    + " CASE WHEN c.container_id IS NULL THEN 'COLD' ELSE 'RUNNING' END AS state,"
                    + " c.container_id, m.address"
                    + " FROM repls r"
                    + " LEFT JOIN containers c ON c.repl_id = r.repl_id AND c.state = 'RUNNING'"
                    + " LEFT JOIN machines m ON m.machine_id = c.machine_id"
                    + " WHERE r.slug = 's-1'")) {
          while (rs.next()) {
            plan.add(rs.getString(1).strip());
          }
        }
        String text = String.join("\n", plan);
        assertThat(text)
            .contains("Index Only Scan using repls_slug_key on repls")
            .contains("Index Only Scan using containers_one_running_per_repl on containers");
        assertThat(plan.stream().filter(l -> l.startsWith("Heap Fetches:")))
            .as(text)
            .hasSize(2)
            .allMatch(l -> l.equals("Heap Fetches: 0"));
      }
    }
  }

  @Test
  void containers_runOnlyInTheirMachinesCluster() throws SQLException {
    try (Connection c = seeded();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO containers (container_id, repl_id, machine_id, cluster, state,"
                    + " started_at) VALUES ('ctr-x', 'r-1', 'm-1', 'us-2', 'RUNNING', now())")) {
      assertThatThrownBy(ps::execute)
          .isInstanceOfSatisfying(
              PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23503"));
    }
  }

  @Test
  void stoppedAt_isSetExactlyWhenStopped() throws SQLException {
    try (Connection c = seeded();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO containers (container_id, repl_id, machine_id, cluster, state,"
                    + " started_at) VALUES ('ctr-x', 'r-1', 'm-1', 'us-1', 'STOPPED', now())")) {
      assertThatThrownBy(ps::execute)
          .isInstanceOfSatisfying(
              PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23514"));
    }
  }

  // ---- helpers

  /** The class database, emptied and migrated, with one machine m-1 and repls r-1, r-2 in us-1. */
  private Connection seeded() throws SQLException {
    TestDatabase.emptyPlane(db).close();
    Connection c = db.database().connect();
    try (Statement s = c.createStatement()) {
      s.execute("INSERT INTO regions VALUES ('us')");
      s.execute("INSERT INTO clusters VALUES ('us-1', 'us'), ('us-2', 'us')");
      s.execute(
          "INSERT INTO repls (repl_id, owner_id, slug, cluster, created_at) VALUES"
              + " ('r-1', 'o', 's-1', 'us-1', now()), ('r-2', 'o', 's-2', 'us-1', now())");
      s.execute(
          "INSERT INTO machines (machine_id, cluster, address, capacity, state, cpu_percent,"
              + " registered_at, last_heartbeat_at)"
              + " VALUES ('m-1', 'us-1', '10.0.0.1', 8, 'ACTIVE', 0, now(), now())");
    }
    return c;
  }

  private static void insertContainer(Connection c, String id, String replId, String state)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO containers (container_id, repl_id, machine_id, cluster, state,"
                + " started_at, stopped_at)"
                + " VALUES (?, ?, 'm-1', 'us-1', ?, now(),"
                + " CASE WHEN ? = 'STOPPED' THEN now() END)")) {
      ps.setString(1, id);
      ps.setString(2, replId);
      ps.setString(3, state);
      ps.setString(4, state);
      ps.execute();
    }
  }

  @FunctionalInterface
  private interface DatabaseCheck {
    void run(PostgresEndpoint endpoint) throws SQLException;
  }

  /** A database of its own beside the class's, dropped afterwards. */
  private void withScratchDatabase(String suffix, DatabaseCheck check) throws SQLException {
    String name = db.name() + "_" + suffix;
    PostgresEndpoint endpoint = db.server().createDatabase(name);
    try {
      check.run(endpoint);
    } finally {
      db.server().dropDatabase(name);
    }
  }

  private static List<String> tables(PostgresEndpoint endpoint) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = endpoint.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static List<String> appliedVersions(PostgresEndpoint endpoint) throws SQLException {
    List<String> versions = new ArrayList<>();
    try (Connection c = endpoint.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version FROM flyway_controlplane_history"
                    + " WHERE success AND type <> 'BASELINE' ORDER BY installed_rank")) {
      while (rs.next()) {
        versions.add(rs.getString(1));
      }
    }
    return versions;
  }
}
