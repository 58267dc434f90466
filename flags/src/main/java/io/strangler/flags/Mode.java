package io.strangler.flags;

import java.util.Optional;

/**
 * How one API is dispatched. The four steps of a cut-over, in order: legacy alone, legacy
 * authoritative with the new backend as shadow, the new backend authoritative with legacy as
 * shadow, the new backend alone.
 *
 * <p>Every mode has an authoritative backend and a {@link #shadow()} that is never null: empty in
 * the single-backend modes, which users turn into their own no-op (the proxy's dispatcher a shadow
 * strategy that does nothing, its exchanges a shadow outcome of "not called").
 */
public enum Mode {
  LEGACY_ONLY(Backend.LEGACY, Optional.empty()),
  SHADOW(Backend.LEGACY, Optional.of(Backend.NEW)),
  NEW_PRIMARY(Backend.NEW, Optional.of(Backend.LEGACY)),
  NEW_ONLY(Backend.NEW, Optional.empty());

  /** The two backends a proxy fronts. */
  public enum Backend {
    LEGACY,
    NEW
  }

  private final Backend authoritative;
  private final Optional<Backend> shadow;

  Mode(Backend authoritative, Optional<Backend> shadow) {
    this.authoritative = authoritative;
    this.shadow = shadow;
  }

  /** The backend whose answer the client gets. */
  public Backend authoritative() {
    return authoritative;
  }

  /** The backend called for comparison only: empty in a single-backend mode, never null. */
  public Optional<Backend> shadow() {
    return shadow;
  }

  /** Whether the mode calls both backends (it has a {@link #shadow()}). */
  public boolean isDual() {
    return shadow.isPresent();
  }

  /**
   * The step before this one: where a routing key outside a gradual rollout stays. LEGACY_ONLY has
   * no step before it.
   */
  public Mode previous() {
    return this == LEGACY_ONLY ? LEGACY_ONLY : values()[ordinal() - 1];
  }

  /**
   * The mode named exactly (upper case, as in flags files, Unleash variants and admin calls).
   *
   * @throws IllegalArgumentException naming the valid modes when the name is not one of them
   */
  public static Mode parse(String name) {
    for (Mode m : values()) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown mode '" + name + "' (expected one of LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY)");
  }
}
