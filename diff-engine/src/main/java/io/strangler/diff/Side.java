package io.strangler.diff;

/** One of the two backends being compared. */
public enum Side {
  LEGACY,
  NEW
}
