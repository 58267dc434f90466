package io.strangler.cutover;

import io.strangler.flags.FlagOverride;
import java.util.List;

/**
 * One API's place in the cut-over, for {@code GET /admin/cutover} and {@code cutover status}.
 *
 * @param current the step its flag says (with any override), e.g. {@code NEW_PRIMARY 10%}
 * @param position its index on the ladder, or -1 when the flag is between two steps
 * @param next the step {@code advance} would move to, or null at the top
 * @param previous the step {@code rollback} would move to, or null at the bottom
 * @param gates the gates of {@code next}, evaluated now
 * @param ready whether every gate of {@code next} passes
 * @param health the figures the gates read
 * @param override the override this proxy holds for the API, or null
 * @param lastRollback the last rollback (automatic or not) this proxy made, or null
 * @param breachStreak consecutive checks that found a rollback threshold crossed (0 when healthy)
 * @param breach the threshold crossed at the last check, or null
 * @param rollbackHeld the audited hold of a due automatic rollback while legacy is failing, or null
 *     (cleared when the rollback is made or no longer due)
 */
public record ApiStatus(
    String api,
    String current,
    int position,
    String next,
    String previous,
    List<Gate> gates,
    boolean ready,
    ApiHealth health,
    FlagOverride override,
    CutoverEvent lastRollback,
    int breachStreak,
    String breach,
    CutoverEvent rollbackHeld) {
  public ApiStatus {
    gates = List.copyOf(gates);
  }
}
