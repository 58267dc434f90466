package io.strangler.diff.report;

import io.strangler.diff.Verdict;

/**
 * What a verdict says about the two backends, for readiness and the sample store. RACE is
 * consistent: the backends agreed once the state settled. An error on one side only is
 * inconsistent: the backends disagreed on the outcome itself.
 */
public enum Consistency {
  /** MATCH, RACE, BOTH_ERROR_SAME. */
  CONSISTENT,
  /** MISMATCH, BOTH_ERROR_DIFFERENT, AUTHORITATIVE_ERROR, SHADOW_ERROR. */
  INCONSISTENT,
  /** SHADOW_TIMEOUT, SHADOW_DROPPED: there was nothing to compare. */
  NOT_COMPARED;

  public static Consistency of(Verdict verdict) {
    return switch (verdict) {
      case MATCH, RACE, BOTH_ERROR_SAME -> CONSISTENT;
      case MISMATCH, BOTH_ERROR_DIFFERENT, AUTHORITATIVE_ERROR, SHADOW_ERROR -> INCONSISTENT;
      case SHADOW_TIMEOUT, SHADOW_DROPPED -> NOT_COMPARED;
    };
  }
}
