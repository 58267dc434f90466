package io.strangler.diff;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One state of an API's compiled rules: where a walk of a document stands after the segments of the
 * path so far. Every pattern is merged into one deterministic automaton when the rules load, so
 * that a walk moves from state to state with one map look-up per segment, and a subtree that no
 * rule reaches is walked in {@link #NONE} without look-ups at all.
 */
final class RuleState {
  /** The state no rule reaches: every segment leads back to it. */
  static final RuleState NONE = new RuleState();

  private final Map<String, RuleState> literals;
  private final RuleState other;
  private final boolean ignored;
  private final String keyField;
  private final BigDecimal tolerance;

  private RuleState() {
    this.literals = Map.of();
    this.other = this;
    this.ignored = false;
    this.keyField = null;
    this.tolerance = null;
  }

  RuleState(
      Map<String, RuleState> literals,
      RuleState other,
      boolean ignored,
      String keyField,
      BigDecimal tolerance) {
    this.literals = Map.copyOf(literals);
    this.other = other;
    this.ignored = ignored;
    this.keyField = keyField;
    this.tolerance = tolerance;
  }

  /** The state after the object field or keyed-array element {@code segment}. */
  RuleState child(String segment) {
    RuleState next = literals.get(segment);
    return next != null ? next : other;
  }

  /**
   * The state after the array element at {@code index}; makes no string unless a rule names one.
   */
  RuleState childAt(int index) {
    return literals.isEmpty() ? other : child(Integer.toString(index));
  }

  /** True when no rule applies here or anywhere below. */
  boolean isNone() {
    return this == NONE;
  }

  boolean ignored() {
    return ignored;
  }

  /** The field that identifies the elements of the array here, or null when compared by index. */
  String keyField() {
    return keyField;
  }

  /** The absolute tolerance for a number here, or null for the API's default. */
  BigDecimal tolerance() {
    return tolerance;
  }

  Map<String, RuleState> literals() {
    return literals;
  }

  RuleState other() {
    return other;
  }
}
