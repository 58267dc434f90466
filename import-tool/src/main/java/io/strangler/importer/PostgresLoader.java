package io.strangler.importer;

import io.strangler.endpoints.PostgresEndpoint;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * The import's one PostgreSQL session: stages the backup with COPY into temporary tables, then, in
 * one transaction, checks references in SQL, records what fails in {@code sql_rejects} and moves
 * the rest into the control plane's tables. Nothing is visible to anyone else until {@link
 * #commit}; closing without it rolls everything back.
 *
 * <p>In EMPTY and REPLACE modes the tables are empty inside the transaction, so their indexes and
 * foreign keys are dropped first and rebuilt after the load, as PostgreSQL's "Populating a
 * Database" advises: one sort per index instead of a million index insertions, one join per foreign
 * key instead of a trigger call per row. Their definitions are read from the catalog, so the schema
 * stays the control plane's; if anything fails the transaction restores them.
 */
final class PostgresLoader implements AutoCloseable {
  /** The control plane's tables, in foreign-key order. */
  static final List<String> TABLES =
      List.of("regions", "clusters", "repls", "machines", "containers", "tombstones");

  private static final int COPY_BUFFER = 1 << 20;

  private final Connection conn;
  private final String where;

  private PostgresLoader(Connection conn, String where) {
    this.conn = conn;
    this.where = where;
  }

  static PostgresLoader connect(PostgresEndpoint endpoint) {
    try {
      Connection c = endpoint.connect();
      return new PostgresLoader(c, endpoint.jdbcUrl());
    } catch (SQLException e) {
      throw ImportException.unavailable(
          "cannot connect to PostgreSQL at " + endpoint.jdbcUrl() + ": " + e.getMessage(), e);
    }
  }

  /** Session settings for bulk work, then the staging tables. */
  void prepare() {
    run(
        () -> {
          // temp_buffers must be set before the session first touches a temporary table.
          exec("SET temp_buffers = '256MB'");
          exec("SET work_mem = '128MB'");
          exec("SET maintenance_work_mem = '512MB'");
          exec("SET lock_timeout = '30s'");
          // Every join here is a bulk join; a nested loop chosen on a bad row estimate would
          // turn seconds into hours.
          exec("SET enable_nestloop = off");
          for (String sql : StagingSql.create()) {
            exec(sql);
          }
          return null;
        },
        "preparing the staging tables");
  }

  /** Fails with a message naming the tables in the way unless every control-plane table exists. */
  void requireSchema() {
    List<String> missing =
        run(
            () -> {
              List<String> m = new ArrayList<>();
              for (String t : TABLES) {
                try (Statement s = conn.createStatement();
                    ResultSet rs = s.executeQuery("SELECT to_regclass('" + t + "')")) {
                  rs.next();
                  if (rs.getString(1) == null) {
                    m.add(t);
                  }
                }
              }
              return m;
            },
            "reading the catalog");
    if (!missing.isEmpty()) {
      throw ImportException.database(
          "the control-plane schema is missing tables " + missing + " in " + where, null);
    }
  }

  /** Row counts of the control-plane tables that hold rows (an empty map when all are empty). */
  Map<String, Long> nonEmptyTables() {
    return run(
        () -> {
          Map<String, Long> counts = new LinkedHashMap<>();
          for (String t : TABLES) {
            try (Statement s = conn.createStatement();
                ResultSet rs =
                    s.executeQuery(
                        "SELECT count(*) FROM (SELECT 1 FROM " + t + " LIMIT 1000001) x")) {
              rs.next();
              if (rs.getLong(1) > 0) {
                counts.put(t, rs.getLong(1));
              }
            }
          }
          return counts;
        },
        "counting the control-plane tables");
  }

  void requireEmpty() {
    Map<String, Long> counts = nonEmptyTables();
    if (!counts.isEmpty()) {
      StringJoiner j = new StringJoiner(", ");
      counts.forEach((t, n) -> j.add(t + " (" + (n > 1_000_000 ? "over 1000000" : n) + " rows)"));
      throw ImportException.notEmpty(
          "the control plane at "
              + where
              + " is not empty: "
              + j
              + "; use --mode replace to overwrite it or --mode merge to upsert into it");
    }
  }

  /** Starts the COPY into the staging table; close the stream's writer to end it. */
  OutputStream openCopy() {
    return run(
        () -> new PGCopyOutputStream(conn.unwrap(PGConnection.class), StagingSql.COPY, COPY_BUFFER),
        "starting COPY");
  }

  /** Ends the COPY; the server reports here what it could not take. */
  void endCopy(OutputStream copy) {
    run(() -> ((PGCopyOutputStream) copy).endCopy(), "ending COPY");
  }

  /** Row counts of the staging partitions (after any de-duplication). */
  EnumMap<Stage, Long> stagedCounts() {
    return run(
        () -> {
          EnumMap<Stage, Long> counts = new EnumMap<>(Stage.class);
          for (Stage s : Stage.values()) {
            counts.put(s, 0L);
          }
          try (Statement s = conn.createStatement();
              ResultSet rs = s.executeQuery("SELECT kind, count(*) FROM stage GROUP BY kind")) {
            while (rs.next()) {
              short kind = rs.getShort(1);
              for (Stage st : Stage.values()) {
                if (st.id == kind) {
                  counts.put(st, rs.getLong(2));
                }
              }
            }
          }
          return counts;
        },
        "counting staged rows");
  }

  void dedupe() {
    run(
        () -> {
          for (String sql : StagingSql.dedupe()) {
            exec(sql);
          }
          return null;
        },
        "dropping repeated keys");
  }

  /**
   * Opens the transaction and does everything but commit: checks, rejects, the move into the live
   * tables, the derived columns and the reports on index records.
   */
  Moved checkAndMove(
      ImportMode mode, EnumMap<Stage, Long> staged, PhaseTimer phase, Move.Keep keep) {
    return run(
        () -> {
          conn.setAutoCommit(false);
          return new Move(this, mode, staged, phase, keep).run();
        },
        "moving the staged rows into the control plane");
  }

  /** Streams the rejects SQL found, in no particular order. */
  void sqlRejects(RejectConsumer consumer) {
    run(
        () -> {
          try (Statement s = conn.createStatement()) {
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery("SELECT key, reason, detail FROM sql_rejects")) {
              while (rs.next()) {
                consumer.accept(
                    rs.getString(1), RejectReason.ofCode(rs.getString(2)), rs.getString(3));
              }
            }
          }
          return null;
        },
        "reading the rejects");
  }

  /**
   * Up to {@code n} replIds of the backup (imported or rejected: a rejected repl is a difference
   * the verification should see), the same ones for the same seed and data.
   */
  List<String> sampleRepls(int n, long seed) {
    return run(
        () -> {
          long total = count("SELECT count(*) FROM stage_repl");
          if (total == 0) {
            return List.of();
          }
          // Bernoulli sampling with a margin keeps this one pass, not a sort of every repl.
          double percent = Math.min(100.0, 100.0 * Math.min(total, 2L * n + 100) / total);
          List<String> ids = new ArrayList<>();
          for (String[] r :
              rows(
                  String.format(
                      java.util.Locale.ROOT,
                      "SELECT k1 FROM stage_repl TABLESAMPLE BERNOULLI (%.6f) REPEATABLE (%d)"
                          + " ORDER BY k1",
                      percent,
                      seed),
                  1)) {
            ids.add(r[0]);
          }
          java.util.Collections.shuffle(ids, new java.util.Random(seed));
          return List.copyOf(ids.subList(0, Math.min(n, ids.size())));
        },
        "sampling repls");
  }

  interface RejectConsumer {
    void accept(String key, RejectReason reason, String detail);
  }

  void commit() {
    run(
        () -> {
          conn.commit();
          return null;
        },
        "committing");
  }

  void rollback() {
    try {
      if (!conn.getAutoCommit()) {
        conn.rollback();
      }
    } catch (SQLException e) {
      // Closing the connection rolls back too.
    }
  }

  @Override
  public void close() {
    rollback();
    try {
      conn.close();
    } catch (SQLException e) {
      // Nothing was committed that closing could lose.
    }
  }

  /**
   * Rows written into each live table (inserted, or upserted in MERGE mode), and the schema REPLACE
   * kept the previous contents in (null when there were none, or in other modes).
   */
  record Moved(Map<String, Long> rows, String keptIn) {}

  // ---------------------------------------------------------------- plumbing

  long exec(String sql) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute(sql);
      return Math.max(0, s.getLargeUpdateCount());
    }
  }

  long count(String sql) throws SQLException {
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  List<String[]> rows(String sql, int columns) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) {
          r[i] = rs.getString(i + 1);
        }
        out.add(r);
      }
    }
    return out;
  }

  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  private <T> T run(SqlWork<T> work, String doing) {
    try {
      return work.run();
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (state.startsWith("08")) {
        throw ImportException.unavailable(
            "lost the connection to PostgreSQL at "
                + where
                + " while "
                + doing
                + ": "
                + e.getMessage(),
            e);
      }
      if (state.equals("55P03")) {
        throw ImportException.database(
            "the control-plane tables at "
                + where
                + " are in use (lock wait timed out while "
                + doing
                + "); stop the control plane and run again",
            e);
      }
      throw ImportException.database(
          "PostgreSQL at " + where + " failed while " + doing + ": " + e.getMessage(), e);
    }
  }
}
