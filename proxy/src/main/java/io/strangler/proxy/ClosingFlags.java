package io.strangler.proxy;

import io.strangler.api.Operation;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.AuditEntry;
import io.strangler.flags.Decision;
import io.strangler.flags.FileFlags;
import io.strangler.flags.FlagAudit;
import io.strangler.flags.FlagSource;
import io.strangler.flags.FlagsSnapshot;
import io.strangler.flags.Mode;
import io.strangler.flags.SetResult;
import java.nio.file.Path;
import java.util.List;

/** A flag source that also closes the audit log it writes to. */
public record ClosingFlags(FlagSource flags, FlagAudit audit) implements FlagSource {
  /**
   * The flags file {@code file} for every operation of the control API, its changes audited in
   * {@code postgres}.
   */
  public static ClosingFlags file(Path file, PostgresEndpoint postgres) {
    FlagAudit audit = FlagAudit.postgres(postgres.jdbcUrl(), postgres.user(), postgres.password());
    try {
      return new ClosingFlags(
          FileFlags.builder(file)
              .knownOperations(Operation.ALL.stream().map(Operation::name).toList())
              .audit(audit)
              .build(),
          audit);
    } catch (RuntimeException e) {
      audit.close();
      throw e;
    }
  }

  @Override
  public Decision decide(String operation, String routingKey) {
    return flags.decide(operation, routingKey);
  }

  @Override
  public FlagsSnapshot snapshot() {
    return flags.snapshot();
  }

  @Override
  public SetResult set(String operation, Mode mode, int rolloutPercent, String who) {
    return flags.set(operation, mode, rolloutPercent, who);
  }

  @Override
  public List<AuditEntry> audit(int limit) {
    return flags.audit(limit);
  }

  @Override
  public void close() {
    try {
      flags.close();
    } finally {
      audit.close();
    }
  }
}
