package io.strangler.dispatch.kv;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The key-value API over PostgreSQL: table {@code kv} holds values and {@code kv_history} every
 * value written, numbered in the order PostgreSQL applied them.
 */
public final class PostgresKvBackend implements Backend, AutoCloseable {
  private static final String PUT =
      "WITH up AS (INSERT INTO kv (key, value) VALUES (?, ?)"
          + " ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING key, value)"
          + " INSERT INTO kv_history (key, value) SELECT key, value FROM up";
  private static final String CREATE =
      "WITH ins AS (INSERT INTO kv (key, value) VALUES (?, ?)"
          + " ON CONFLICT (key) DO NOTHING RETURNING key, value)"
          + " INSERT INTO kv_history (key, value) SELECT key, value FROM ins RETURNING id";

  private final String name;
  private final HikariDataSource pool;

  public PostgresKvBackend(String name, String jdbcUrl, String user, String password, int poolSize) {
    this.name = name;
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl);
    c.setUsername(user);
    c.setPassword(password);
    c.setMaximumPoolSize(poolSize);
    c.setMinimumIdle(poolSize);
    c.setPoolName(name + "-pool");
    c.setConnectionTimeout(2000);
    this.pool = new HikariDataSource(c);
    try (Connection conn = pool.getConnection();
        Statement s = conn.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS kv (key text PRIMARY KEY, value text NOT NULL)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS kv_history"
              + " (id bigserial PRIMARY KEY, key text NOT NULL, value text NOT NULL)");
    } catch (SQLException e) {
      pool.close();
      throw new IllegalStateException("cannot create the kv tables at " + jdbcUrl, e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Reply call(String operation, Prepared request, Stamp stamp) {
    KvApi.KvRequest r = request.request(KvApi.KvRequest.class);
    try (Connection c = pool.getConnection()) {
      return switch (operation) {
        case KvApi.GET -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT value FROM kv WHERE key = ?")) {
            ps.setString(1, r.key());
            try (ResultSet rs = ps.executeQuery()) {
              yield rs.next() ? Reply.ok(KvApi.entry(r.key(), rs.getString(1))) : KvApi.notFound(r.key());
            }
          }
        }
        case KvApi.PUT -> {
          try (PreparedStatement ps = c.prepareStatement(PUT)) {
            ps.setString(1, r.key());
            ps.setString(2, r.value());
            ps.executeUpdate();
          }
          yield Reply.ok(KvApi.entry(r.key(), r.value()));
        }
        case KvApi.CREATE -> {
          try (PreparedStatement ps = c.prepareStatement(CREATE)) {
            ps.setString(1, r.key());
            ps.setString(2, r.value());
            try (ResultSet rs = ps.executeQuery()) {
              yield rs.next() ? Reply.ok(KvApi.entry(r.key(), r.value())) : KvApi.exists(r.key());
            }
          }
        }
        default -> Reply.failed("INTERNAL", 500, name + " has no operation " + operation);
      };
    } catch (SQLTransientConnectionException e) {
      return Reply.unavailable(name + " is unavailable: " + e.getMessage());
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
        return Reply.unavailable(name + " is unavailable: " + e.getMessage());
      }
      return Reply.failed("INTERNAL", 500, name + " failed: " + e.getMessage());
    }
  }

  @Override
  public boolean ready() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  public String value(String key) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT value FROM kv WHERE key = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public List<String> history(String key) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT value FROM kv_history WHERE key = ? ORDER BY id")) {
      ps.setString(1, key);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public void seed(String key, String value) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO kv (key, value) VALUES (?, ?)"
                    + " ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
      ps.setString(1, key);
      ps.setString(2, value);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public void flush() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE kv, kv_history");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
