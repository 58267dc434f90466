package io.strangler.diff;

/** How the two backends' outcomes for one call compare. */
public enum Verdict {
  /** Both answered, and the canonical answers agree. */
  MATCH,
  /** Both answered, the canonical answers differ, and a second read (if any) differed too. */
  MISMATCH,
  /** The authoritative backend failed or timed out while the shadow answered. */
  AUTHORITATIVE_ERROR,
  /** The authoritative backend answered while the shadow failed. */
  SHADOW_ERROR,
  /** Both failed the same way: same code (and message, when the rules compare messages). */
  BOTH_ERROR_SAME,
  /** Both failed, differently. */
  BOTH_ERROR_DIFFERENT,
  /** The shadow did not answer within its deadline: nothing to compare. */
  SHADOW_TIMEOUT,
  /** The shadow call was never made: nothing to compare. */
  SHADOW_DROPPED,
  /** The answers differed, but a second read from both agreed: state changed between reads. */
  RACE
}
