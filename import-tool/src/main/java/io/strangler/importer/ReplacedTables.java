package io.strangler.importer;

import io.strangler.endpoints.PostgresEndpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The control plane's contents as they were before an import in REPLACE mode: copied, in the
 * import's own transaction, into a schema named {@code strangler_replaced_YYYYMMDDHHMMSS} (UTC)
 * before the tables are emptied. So a replace that should not have happened can be undone with SQL
 * (docs/import.md), and the copies are listed and dropped with {@link #list} and {@link #drop}
 * ({@code strangler import --list-replaced}, {@code --drop-replaced NAME}).
 */
public final class ReplacedTables {
  /** Every schema this class creates, and only those, starts with this. */
  public static final String PREFIX = "strangler_replaced_";

  private static final Pattern NAME = Pattern.compile(PREFIX + "\\d{14}(_\\d{1,4})?");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  private ReplacedTables() {}

  /** One kept copy: its schema, rows per table, and what it was kept before. */
  public record Kept(String schema, Map<String, Long> rows, String note) {
    public long totalRows() {
      return rows.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** What {@link #list} or {@link #drop} did. */
  public sealed interface Result {
    /** The process exit code the command answers with. */
    default int exitCode() {
      return this instanceof Failed ? ImportOutcome.ExitCodes.FAILED : ImportOutcome.ExitCodes.OK;
    }

    record Listed(List<Kept> kept) implements Result {}

    record Dropped(Kept dropped) implements Result {}

    record Failed(ImportOutcome.FailureKind kind, String message) implements Result {}
  }

  /** The copies kept in {@code db}, oldest first. */
  public static Result list(PostgresEndpoint db) {
    try (Connection c = connect(db)) {
      List<Kept> kept = new ArrayList<>();
      for (String schema : schemas(c)) {
        kept.add(describe(c, schema));
      }
      return new Result.Listed(List.copyOf(kept));
    } catch (ImportException e) {
      return new Result.Failed(e.kind(), e.getMessage());
    } catch (SQLException e) {
      return new Result.Failed(
          ImportOutcome.FailureKind.DATABASE,
          "cannot list the kept tables at " + db.jdbcUrl() + ": " + e.getMessage());
    }
  }

  /** Drops one kept copy; refuses any schema this class did not name. */
  public static Result drop(PostgresEndpoint db, String schema) {
    if (schema == null || !NAME.matcher(schema).matches()) {
      return new Result.Failed(
          ImportOutcome.FailureKind.BAD_INPUT,
          "'"
              + schema
              + "' is not the name of a kept copy ("
              + PREFIX
              + "YYYYMMDDHHMMSS); --list-replaced shows them");
    }
    try (Connection c = connect(db)) {
      if (!schemas(c).contains(schema)) {
        return new Result.Failed(
            ImportOutcome.FailureKind.BAD_INPUT,
            "there is no schema "
                + schema
                + " at "
                + db.jdbcUrl()
                + "; --list-replaced shows them");
      }
      Kept kept = describe(c, schema);
      try (Statement s = c.createStatement()) {
        // The name matched NAME: no quoting can go wrong, but quote it anyway.
        s.execute("DROP SCHEMA \"" + schema + "\" CASCADE");
      }
      return new Result.Dropped(kept);
    } catch (ImportException e) {
      return new Result.Failed(e.kind(), e.getMessage());
    } catch (SQLException e) {
      return new Result.Failed(
          ImportOutcome.FailureKind.DATABASE,
          "cannot drop " + schema + " at " + db.jdbcUrl() + ": " + e.getMessage());
    }
  }

  /** The schema name for a copy made at {@code at}, before any suffix a clash needs. */
  static String nameFor(Instant at) {
    return PREFIX + STAMP.format(at);
  }

  /**
   * Copies the control plane's tables into a new schema named after {@code baseName} (with a {@code
   * _2}, {@code _3}... suffix if that exists), inside the caller's transaction; answers the
   * schema's name. The copies are plain tables, without indexes: they are for restoring, not for
   * serving.
   */
  static String keep(PostgresLoader db, String baseName, String note) throws SQLException {
    // The name is ours (PREFIX and digits): nothing in it needs escaping.
    String schema = baseName;
    for (int n = 2; exists(db, schema); n++) {
      schema = baseName + "_" + n;
    }
    db.exec("CREATE SCHEMA \"" + schema + "\"");
    db.exec("COMMENT ON SCHEMA \"" + schema + "\" IS " + literal(note));
    for (String t : PostgresLoader.TABLES) {
      db.exec("CREATE TABLE \"" + schema + "\"." + t + " AS TABLE " + t);
    }
    return schema;
  }

  private static boolean exists(PostgresLoader db, String schema) throws SQLException {
    return db.count("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'") > 0;
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private static Connection connect(PostgresEndpoint db) {
    try {
      return db.connect();
    } catch (SQLException e) {
      throw ImportException.unavailable(
          "cannot connect to PostgreSQL at " + db.jdbcUrl() + ": " + e.getMessage(), e);
    }
  }

  private static List<String> schemas(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ?) ORDER BY nspname")) {
      s.setString(1, PREFIX);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          if (NAME.matcher(rs.getString(1)).matches()) {
            out.add(rs.getString(1));
          }
        }
      }
    }
    return out;
  }

  private static Kept describe(Connection c, String schema) throws SQLException {
    Map<String, Long> rows = new LinkedHashMap<>();
    try (Statement s = c.createStatement()) {
      for (String t : PostgresLoader.TABLES) {
        String table = "\"" + schema + "\"." + t;
        boolean exists;
        try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
          exists = rs.next() && rs.getBoolean(1);
        }
        if (exists) {
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            rows.put(t, rs.getLong(1));
          }
        }
      }
      String note;
      try (ResultSet rs =
          s.executeQuery(
              "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = '"
                  + schema
                  + "'")) {
        note = rs.next() ? rs.getString(1) : null;
      }
      return new Kept(schema, rows, note == null ? "" : note);
    }
  }
}
