package io.strangler.diff;

import java.util.Objects;

/** What each backend gave for the same call. */
public record Observations(Observed legacySide, Observed newSide) {
  public Observations {
    Objects.requireNonNull(legacySide, "legacySide");
    Objects.requireNonNull(newSide, "newSide");
  }

  /** The observation of {@code side}. */
  public Observed of(Side side) {
    return side == Side.LEGACY ? legacySide : newSide;
  }
}
