package io.strangler.convergence;

/** One of the two stores: the legacy Redis or the new PostgreSQL control plane. */
public enum Side {
  LEGACY,
  NEW;

  public Side other() {
    return this == LEGACY ? NEW : LEGACY;
  }

  /** Parses the CLI's {@code legacy} or {@code new}. */
  public static Side parse(String s) {
    return switch (s == null ? "" : s.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "legacy" -> LEGACY;
      case "new" -> NEW;
      default -> throw new IllegalArgumentException("expected legacy or new, got '" + s + "'");
    };
  }
}
