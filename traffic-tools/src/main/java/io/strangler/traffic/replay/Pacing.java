package io.strangler.traffic.replay;

import java.util.Locale;

/**
 * How fast calls are sent: as fast as the concurrency allows, at a fixed rate, or at a multiple of
 * the speed they were recorded at (time-scaled from the log's timestamps).
 */
public sealed interface Pacing {

  /**
   * When call {@code index} (recorded {@code offsetNanos} after the first) is due, after the start.
   */
  long dueNanos(long index, long offsetNanos);

  /** For reports: {@code max}, {@code 500/s}, {@code 2x}. */
  String describe();

  record Unpaced() implements Pacing {
    @Override
    public long dueNanos(long index, long offsetNanos) {
      return 0;
    }

    @Override
    public String describe() {
      return "max";
    }
  }

  record Rate(double perSecond) implements Pacing {
    public Rate {
      if (!(perSecond > 0 && perSecond <= 1_000_000)) {
        throw new IllegalArgumentException(
            "a rate is above 0 and at most 1000000/s, got " + perSecond);
      }
    }

    @Override
    public long dueNanos(long index, long offsetNanos) {
      return (long) (index * 1e9 / perSecond);
    }

    @Override
    public String describe() {
      return trim(perSecond) + "/s";
    }
  }

  record Speed(double factor) implements Pacing {
    public Speed {
      if (!(factor > 0 && factor <= 10_000)) {
        throw new IllegalArgumentException("a speed is above 0 and at most 10000x, got " + factor);
      }
    }

    @Override
    public long dueNanos(long index, long offsetNanos) {
      return (long) (offsetNanos / factor);
    }

    @Override
    public String describe() {
      return trim(factor) + "x";
    }
  }

  /** {@code 500/s} or {@code 500}: calls per second. */
  static Rate rate(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("/s")) {
      t = t.substring(0, t.length() - 2);
    }
    try {
      return new Rate(Double.parseDouble(t));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "a rate is calls per second like 500/s, got '" + text + "'");
    }
  }

  /** {@code 2x}, {@code 0.5x}; {@code max} for unpaced. */
  static Pacing speed(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("max")) {
      return new Unpaced();
    }
    if (!t.endsWith("x")) {
      throw new IllegalArgumentException(
          "a speed is a multiple like 2x or 0.5x (or max), got '" + text + "'");
    }
    try {
      return new Speed(Double.parseDouble(t.substring(0, t.length() - 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "a speed is a multiple like 2x or 0.5x (or max), got '" + text + "'");
    }
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
