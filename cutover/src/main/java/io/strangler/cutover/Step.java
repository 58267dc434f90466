package io.strangler.cutover;

import io.strangler.flags.ApiSetting;
import io.strangler.flags.Mode;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rung of a cut-over ladder: a mode and the share of routing keys in it, exactly what {@code
 * flags set OPERATION MODE --rollout N} sets. Steps order by mode, then by rollout.
 */
public record Step(Mode mode, int rolloutPercent) implements Comparable<Step> {
  private static final Pattern TEXT = Pattern.compile("([A-Z_]+)(?:(?:\\s+|:|@)(\\d{1,3})%?)?");

  public Step {
    Objects.requireNonNull(mode, "mode");
    if (rolloutPercent < 0 || rolloutPercent > 100) {
      throw new IllegalArgumentException(
          "a step's rollout must be within 0..100, got " + rolloutPercent);
    }
  }

  public static Step of(Mode mode) {
    return new Step(mode, 100);
  }

  public static Step of(ApiSetting setting) {
    return new Step(setting.mode(), setting.rolloutPercent());
  }

  /**
   * A step as written in a ladder or on the command line: {@code SHADOW}, {@code NEW_PRIMARY 10%},
   * {@code NEW_PRIMARY:10} or {@code NEW_PRIMARY@10} (no rollout: 100%).
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Step parse(String text) {
    Matcher m = TEXT.matcher(text == null ? "" : text.trim().toUpperCase(java.util.Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a step: '" + text + "' (expected MODE or MODE N%, e.g. SHADOW or NEW_PRIMARY 10%)");
    }
    Mode mode = Mode.parse(m.group(1));
    return new Step(mode, m.group(2) == null ? 100 : Integer.parseInt(m.group(2)));
  }

  public ApiSetting setting() {
    return new ApiSetting(mode, rolloutPercent);
  }

  @Override
  public int compareTo(Step o) {
    int c = Integer.compare(mode.ordinal(), o.mode.ordinal());
    return c != 0 ? c : Integer.compare(rolloutPercent, o.rolloutPercent);
  }

  /** {@code NEW_PRIMARY 10%}, or the mode alone at 100%: as the flags admin view shows it. */
  @Override
  public String toString() {
    return setting().toString();
  }
}
