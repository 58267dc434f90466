package io.strangler.flags;

/**
 * The emergency kill switches, applied after every other rule: a killed backend is never called.
 * Killing the authoritative side hands authority to the other backend (alone); killing the shadow
 * side drops the shadow; killing both makes the call UNAVAILABLE.
 */
public final class KillSwitches {
  private KillSwitches() {}

  public static Decision apply(Decision d, boolean legacyKilled, boolean newKilled) {
    if (!legacyKilled && !newKilled) {
      return d;
    }
    if (legacyKilled && newKilled) {
      return Decision.unavailable(d.source() + ", both backends killed");
    }
    if (d.isUnavailable()) {
      return d;
    }
    Mode m = d.mode();
    Mode killedTo = legacyKilled ? Mode.NEW_ONLY : Mode.LEGACY_ONLY;
    if (m == killedTo) {
      return d;
    }
    return new Decision(killedTo, d.source() + ", kill." + (legacyKilled ? "legacy" : "new"));
  }
}
