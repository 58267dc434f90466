package io.strangler.flags;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.common.QueueDrain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log in PostgreSQL: table {@code flag_audit}, migrated by Flyway from {@code
 * db/migration/flags} with its own history table. One daemon writer thread drains a bounded queue
 * in batches ({@link QueueDrain}); while the database is down it retries with backoff and new
 * entries beyond the queue's capacity are dropped and counted, so a flag source is never held up by
 * its audit.
 */
final class PostgresFlagAudit implements FlagAudit {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresFlagAudit.class);
  static final int QUEUE_CAPACITY = 4096;
  private static final int BATCH = 256;
  private static final long CLOSE_WAIT_MILLIS = 5_000;
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final String INSERT =
      "INSERT INTO flag_audit (at, source, api, from_value, to_value, who) VALUES (?, ?, ?, ?, ?,"
          + " ?)";
  private static final String LATEST =
      "SELECT at, source, api, from_value, to_value, who FROM flag_audit ORDER BY id DESC LIMIT ?";

  private final DataSource dataSource;
  private final AutoCloseable owned;
  private final AtomicLong dropped = new AtomicLong();
  private final QueueDrain<AuditEntry> writer;
  // Writer thread only.
  private long lastFailureLog = System.nanoTime() - LOG_EVERY_NANOS;
  private long backoffMillis = 100;

  private PostgresFlagAudit(DataSource dataSource, AutoCloseable owned) {
    this.dataSource = dataSource;
    this.owned = owned;
    this.writer =
        QueueDrain.start("strangler-flags-audit-writer", QUEUE_CAPACITY, BATCH, this::write);
  }

  static PostgresFlagAudit start(DataSource dataSource, AutoCloseable owned) {
    migrate(dataSource);
    return new PostgresFlagAudit(dataSource, owned);
  }

  static PostgresFlagAudit open(String jdbcUrl, String user, String password) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl);
    c.setUsername(user);
    c.setPassword(password);
    c.setPoolName("strangler-flags-audit");
    c.setMaximumPoolSize(2);
    c.setMinimumIdle(0);
    c.setConnectionTimeout(5_000);
    HikariDataSource ds = new HikariDataSource(c);
    try {
      return start(ds, ds);
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
  }

  static void migrate(DataSource dataSource) {
    Flyway.configure(PostgresFlagAudit.class.getClassLoader())
        .dataSource(dataSource)
        .table("flyway_flags_history")
        .locations("classpath:db/migration/flags")
        // The schema may already hold other modules' tables; baselining at 0 lets V1 still run.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();
  }

  @Override
  public void append(AuditEntry entry) {
    if (!writer.offer(entry)) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public List<AuditEntry> latest(int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be within 1..1000, got " + limit);
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(LATEST)) {
      s.setInt(1, limit);
      List<AuditEntry> out = new ArrayList<>(limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(
              new AuditEntry(
                  r.getObject(1, OffsetDateTime.class).toInstant(),
                  r.getString(2),
                  r.getString(3),
                  r.getString(4),
                  r.getString(5),
                  r.getString(6)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the flag audit: " + e.getMessage(), e);
    }
  }

  @Override
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    writer.close(Duration.ofMillis(CLOSE_WAIT_MILLIS), e -> dropped.incrementAndGet());
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        LOG.warn("closing the flag audit's pool failed", e);
      }
    }
  }

  /** On the writer thread: one batch, tried again with backoff until written or closing. */
  private void write(List<AuditEntry> batch) {
    while (true) {
      try {
        insert(batch);
        backoffMillis = 100;
        return;
      } catch (SQLException e) {
        if (writer.closing()) {
          dropped.addAndGet(batch.size());
          return;
        }
        logFailure(e, batch.size());
      }
      try {
        TimeUnit.MILLISECONDS.sleep(backoffMillis);
      } catch (InterruptedException e) {
        dropped.addAndGet(batch.size());
        Thread.currentThread().interrupt();
        return;
      }
      backoffMillis = Math.min(backoffMillis * 2, 5_000);
    }
  }

  private void insert(List<AuditEntry> batch) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(INSERT)) {
      for (AuditEntry e : batch) {
        s.setObject(1, OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC));
        s.setString(2, e.source());
        s.setString(3, e.api());
        s.setString(4, e.from());
        s.setString(5, e.to());
        s.setString(6, e.who());
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  private void logFailure(SQLException e, int pending) {
    long now = System.nanoTime();
    if (now - lastFailureLog >= LOG_EVERY_NANOS) {
      lastFailureLog = now;
      LOG.warn(
          "cannot write the flag audit, retrying (pending={}, queued={}, dropped={}): {}",
          pending,
          writer.size(),
          dropped.get(),
          e.getMessage());
    }
  }
}
