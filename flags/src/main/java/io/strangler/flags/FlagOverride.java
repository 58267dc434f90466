package io.strangler.flags;

import java.time.Instant;
import java.util.Objects;

/**
 * A setting the proxy holds for one API over what its flag source says (an automatic rollback, or a
 * cut-over step, on a source the proxy cannot write, such as Unleash).
 *
 * @param operation the API
 * @param setting the mode and rollout in force while the override holds
 * @param reason why it was set (shown at {@code /admin/flags})
 * @param who who set it ({@code auto-rollback}, or the admin caller)
 * @param at when it was set
 */
public record FlagOverride(
    String operation, ApiSetting setting, String reason, String who, Instant at) {
  public FlagOverride {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(setting, "setting");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(at, "at");
  }
}
