package io.strangler.flags;

/** The outcome of {@link FlagSource#set}: applied, or why not, as a value. */
public sealed interface SetResult {

  /** Written and in effect. */
  record Applied(ApiFlag flag) implements SetResult {}

  /** The request itself is wrong (unknown operation, rollout out of range): a 400. */
  record Invalid(String message) implements SetResult {}

  /** This source does not take writes (flags managed in Unleash): a 409. */
  record NotSupported(String message) implements SetResult {}

  /** The request was fine but could not be stored (the file could not be written): a 500. */
  record Failed(String message) implements SetResult {}
}
