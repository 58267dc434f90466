package io.strangler.diff.report;

/** Whether a call only reads (and may be read again to tell a RACE) or changes state. */
public enum CallKind {
  READ,
  WRITE
}
