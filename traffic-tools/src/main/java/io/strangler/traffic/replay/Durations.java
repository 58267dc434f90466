package io.strangler.traffic.replay;

import java.time.Duration;
import java.util.Locale;

/** Durations as people type them on the command line. */
public final class Durations {
  private Durations() {}

  /** {@code 10s}, {@code 5m}, {@code 1h}, {@code 250ms} or ISO-8601 {@code PT10S}. */
  public static Duration parse(String text, String option) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("pt") || t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          option + " is a duration like 10s, 5m, 1h, 250ms or PT10S, got '" + text + "'");
    }
  }
}
