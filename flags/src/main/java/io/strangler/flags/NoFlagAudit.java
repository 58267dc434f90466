package io.strangler.flags;

import java.util.List;

/** The disabled audit: keeps nothing, reads nothing. */
final class NoFlagAudit implements FlagAudit {
  static final NoFlagAudit INSTANCE = new NoFlagAudit();

  private NoFlagAudit() {}

  @Override
  public void append(AuditEntry entry) {}

  @Override
  public List<AuditEntry> latest(int limit) {
    return List.of();
  }

  @Override
  public long dropped() {
    return 0;
  }

  @Override
  public void close() {}
}
