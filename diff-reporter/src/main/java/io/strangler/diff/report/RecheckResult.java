package io.strangler.diff.report;

import java.util.Locale;

/** What became of the second read of a call, the check that tells a RACE from a MISMATCH. */
public enum RecheckResult {
  /** No second read was due: the call was not a mismatching read. */
  NONE,
  /** Both backends agreed on the second read: the verdict is RACE. */
  AGREED,
  /** The second read still differed (or one side failed): the verdict is MISMATCH. */
  STILL_DIFFERENT,
  /** The second read could not be made: the verdict is MISMATCH. */
  UNAVAILABLE,
  /** Too many second reads were pending: MISMATCH without a second read. */
  BUDGET_FULL,
  /** The pipeline was closing: MISMATCH without a second read. */
  CLOSED;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The metric label: the name in lower case. */
  public String label() {
    return label;
  }
}
