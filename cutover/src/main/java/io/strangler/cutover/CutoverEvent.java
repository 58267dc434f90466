package io.strangler.cutover;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One move of one API, as audited: who, why, and the gate values at that moment.
 *
 * @param action {@code advance}, {@code forced-advance}, {@code rollback}, {@code auto-rollback},
 *     {@code rollback-held} (an automatic rollback not made: legacy was failing; {@code from} and
 *     {@code to} are the step kept) or {@code clear-override}
 * @param from the step before (as the flags show it, e.g. {@code NEW_PRIMARY 10%})
 * @param to the step after
 * @param via {@code flags} (written to the flag source), {@code override} (held by this proxy over
 *     a source it cannot write) or {@code none} (nothing moved)
 * @param gates the gates of the target step (for a rollback: of the step left), evaluated at the
 *     move
 */
public record CutoverEvent(
    Instant at,
    String api,
    String action,
    String from,
    String to,
    String who,
    String why,
    String via,
    List<Gate> gates) {
  public static final String ADVANCE = "advance";
  public static final String FORCED_ADVANCE = "forced-advance";
  public static final String ROLLBACK = "rollback";
  public static final String AUTO_ROLLBACK = "auto-rollback";
  public static final String ROLLBACK_HELD = "rollback-held";
  public static final String CLEAR_OVERRIDE = "clear-override";

  public CutoverEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(action, "action");
    gates = List.copyOf(gates);
  }
}
