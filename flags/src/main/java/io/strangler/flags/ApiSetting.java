package io.strangler.flags;

import java.util.Objects;

/**
 * What is configured for one API: the mode routing keys in the rollout get, and the share of
 * routing keys in the rollout (0..100). Keys outside the rollout get {@code mode.previous()}.
 */
public record ApiSetting(Mode mode, int rolloutPercent) {
  public ApiSetting {
    Objects.requireNonNull(mode, "mode");
    if (rolloutPercent < 0 || rolloutPercent > 100) {
      throw new IllegalArgumentException(
          "rolloutPercent must be within 0..100, got " + rolloutPercent);
    }
  }

  /** The whole API in one mode. */
  public static ApiSetting of(Mode mode) {
    return new ApiSetting(mode, 100);
  }

  /**
   * As the audit log and the admin page show it: {@code NEW_PRIMARY} or {@code NEW_PRIMARY 30%}.
   */
  @Override
  public String toString() {
    return rolloutPercent == 100 ? mode.name() : mode.name() + " " + rolloutPercent + "%";
  }
}
