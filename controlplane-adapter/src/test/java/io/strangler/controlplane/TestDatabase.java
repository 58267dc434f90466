package io.strangler.controlplane;

import io.strangler.servers.RealServers.PostgresDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Direct SQL on a test class's database, beside the plane under test. */
final class TestDatabase {
  private TestDatabase() {}

  /** Empties every control plane table (one statement), if the schema exists yet. */
  static void truncate(PostgresDb db) {
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      boolean migrated;
      try (ResultSet rs = s.executeQuery("SELECT to_regclass('repls') IS NOT NULL")) {
        rs.next();
        migrated = rs.getBoolean(1);
      }
      if (migrated) {
        s.execute("TRUNCATE regions, clusters, repls, machines, containers, tombstones");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot empty the control plane tables", e);
    }
  }

  static PostgresControlPlane emptyPlane(PostgresDb db) {
    truncate(db);
    return new PostgresControlPlane(db.jdbcUrl(), db.user(), db.password());
  }
}
