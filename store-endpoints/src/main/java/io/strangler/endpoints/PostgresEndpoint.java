package io.strangler.endpoints;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * A reachable PostgreSQL server, as a JDBC URL of an existing database plus credentials. Can make
 * and drop scratch databases beside it for isolated tests.
 */
public record PostgresEndpoint(String jdbcUrl, String user, String password, boolean embedded) {
  private static final Pattern DB_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /**
   * Parses {@code postgresql://user[:password]@host[:port]/db} or a {@code jdbc:postgresql://} URL
   * (with user and password as query parameters, if any).
   */
  public static PostgresEndpoint parse(String url) {
    if (url.startsWith("jdbc:postgresql://")) {
      return new PostgresEndpoint(url, null, null, false);
    }
    URI u = URI.create(url);
    if (!("postgresql".equals(u.getScheme()) || "postgres".equals(u.getScheme()))
        || u.getHost() == null) {
      throw new IllegalArgumentException(
          "expected a PostgreSQL URL like postgresql://postgres@127.0.0.1:5432/test, got '"
              + url
              + "'");
    }
    String user = null;
    String password = null;
    if (u.getUserInfo() != null) {
      String[] parts = u.getUserInfo().split(":", 2);
      user = parts[0];
      password = parts.length > 1 ? parts[1] : null;
    }
    String db =
        u.getPath() == null || u.getPath().length() <= 1 ? "postgres" : u.getPath().substring(1);
    String jdbc =
        "jdbc:postgresql://"
            + u.getHost()
            + ":"
            + (u.getPort() < 0 ? 5432 : u.getPort())
            + "/"
            + db;
    if (u.getQuery() != null) {
      jdbc += "?" + u.getQuery();
    }
    return new PostgresEndpoint(jdbc, user, password, false);
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, user, password);
  }

  /** The same server, another database. */
  public PostgresEndpoint withDatabase(String database) {
    int slash = jdbcUrl.indexOf('/', "jdbc:postgresql://".length());
    int query = jdbcUrl.indexOf('?');
    String base = jdbcUrl.substring(0, slash + 1);
    String tail = query < 0 ? "" : jdbcUrl.substring(query);
    return new PostgresEndpoint(base + database + tail, user, password, embedded);
  }

  /** Creates an empty database beside this one (dropping a leftover of the same name). */
  public PostgresEndpoint createDatabase(String name) {
    checkName(name);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + " at " + jdbcUrl, e);
    }
    return withDatabase(name);
  }

  public void dropDatabase(String name) {
    checkName(name);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop database " + name + " at " + jdbcUrl, e);
    }
  }

  private static void checkName(String name) {
    // Database names are identifiers and cannot be bound as parameters; only this shape is let in.
    if (!DB_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a safe database name: '" + name + "'");
    }
  }
}
