package io.strangler.flags;

import java.util.List;
import javax.sql.DataSource;

/**
 * The audit log of flag changes. {@link #append} never blocks: entries go to a bounded queue and
 * are written by a background thread (when the queue is full the entry is dropped and counted).
 * {@link #latest} reads the store on the caller's thread.
 */
public interface FlagAudit extends AutoCloseable {

  /** Queues one entry; returns at once. */
  void append(AuditEntry entry);

  /** The latest {@code limit} entries (1..1000), newest first. */
  List<AuditEntry> latest(int limit);

  /** Entries dropped because the queue was full or the writer was closed. */
  long dropped();

  /** Stops the writer after writing what is queued (bounded wait). */
  @Override
  void close();

  /** An audit that keeps nothing: for sources run without a database. */
  static FlagAudit none() {
    return NoFlagAudit.INSTANCE;
  }

  /**
   * An audit in the PostgreSQL database behind {@code dataSource}: migrates its table with Flyway
   * (history table {@code flyway_flags_history}, so it coexists with other schemas' migrations) and
   * starts the writer. The data source stays the caller's to close.
   */
  static FlagAudit postgres(DataSource dataSource) {
    return PostgresFlagAudit.start(dataSource, null);
  }

  /** As {@link #postgres(DataSource)}, over a small pool of its own that {@link #close} closes. */
  static FlagAudit postgres(String jdbcUrl, String user, String password) {
    return PostgresFlagAudit.open(jdbcUrl, user, password);
  }
}
