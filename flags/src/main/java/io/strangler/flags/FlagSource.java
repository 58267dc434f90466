package io.strangler.flags;

import java.util.List;

/**
 * A production source of flags with its admin operations, for the routes an admin server mounts
 * ({@code GET /admin/flags}, {@code PUT /admin/flags/{Operation}}, {@code GET /admin/flags/audit}).
 * {@link #decide} is the request path; the other methods are admin calls and may block (the audit
 * reads PostgreSQL): call them off any event loop.
 */
public interface FlagSource extends Flags {

  /** Every API's configured and effective mode, the kill switches and the current error. */
  FlagsSnapshot snapshot();

  /**
   * Sets one API's mode and rollout, on behalf of {@code who} (recorded in the audit log; may be
   * null). Only a source that owns its flags takes writes.
   */
  SetResult set(String operation, Mode mode, int rolloutPercent, String who);

  /** The latest {@code limit} audit entries, newest first. */
  List<AuditEntry> audit(int limit);
}
