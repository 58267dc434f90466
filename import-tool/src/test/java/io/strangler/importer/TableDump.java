package io.strangler.importer;

import io.strangler.endpoints.PostgresEndpoint;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every row of the control-plane tables as text, in key order: equal dumps, equal databases. */
final class TableDump {
  private TableDump() {}

  static Map<String, List<String>> of(PostgresEndpoint db) {
    Map<String, List<String>> dump = new LinkedHashMap<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      for (String t : PostgresLoader.TABLES) {
        if (!exists(s, t)) {
          dump.put(t, List.of("(no table)"));
          continue;
        }
        try (ResultSet rs = s.executeQuery("SELECT t::text FROM " + t + " t ORDER BY 1")) {
          List<String> rows = new java.util.ArrayList<>();
          while (rs.next()) {
            rows.add(rs.getString(1));
          }
          dump.put(t, rows);
        }
      }
      return dump;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The catalog's view of the tables' indexes and constraints, to check they are restored. */
  static List<String> schema(PostgresEndpoint db) {
    List<String> defs = new java.util.ArrayList<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                """
                SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint
                WHERE conrelid::regclass::text IN
                  ('regions','clusters','repls','machines','containers','tombstones')
                UNION ALL
                SELECT pg_get_indexdef(indexrelid) FROM pg_index
                WHERE indrelid::regclass::text IN
                  ('regions','clusters','repls','machines','containers','tombstones')
                ORDER BY 1""")) {
      while (rs.next()) {
        defs.add(rs.getString(1));
      }
      return defs;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static long count(PostgresEndpoint db, String sql) {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean exists(Statement s, String table) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
