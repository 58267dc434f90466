package io.strangler.diff;

import java.math.BigDecimal;
import java.util.List;

/**
 * The compiled comparison rules of one API (its own merged over the rules file's defaults).
 * Immutable and thread-safe; obtained from {@link DiffRules#forApi(String)}.
 */
public final class ApiRules {
  /** No rules at all: nothing ignored, arrays by index, numbers exact, errors by code. */
  static final ApiRules NONE =
      new ApiRules("(none)", RuleState.NONE, BigDecimal.ZERO, false, List.of());

  private final String api;
  private final RuleState root;
  private final BigDecimal defaultTolerance;
  private final boolean compareErrorMessages;
  private final List<String> description;

  ApiRules(
      String api,
      RuleState root,
      BigDecimal defaultTolerance,
      boolean compareErrorMessages,
      List<String> description) {
    this.api = api;
    this.root = root;
    this.defaultTolerance = defaultTolerance;
    this.compareErrorMessages = compareErrorMessages;
    this.description = List.copyOf(description);
  }

  /** The API these rules are for; {@code defaults} for an API the rules file does not name. */
  public String api() {
    return api;
  }

  /** The absolute tolerance for numbers no path-specific tolerance covers. */
  public BigDecimal defaultTolerance() {
    return defaultTolerance;
  }

  /** Whether two errors with the same code must also carry the same message to agree. */
  public boolean compareErrorMessages() {
    return compareErrorMessages;
  }

  RuleState root() {
    return root;
  }

  /** The rules as written, one per line, e.g. {@code keyedArrays "/machines": machineId}. */
  @Override
  public String toString() {
    return "ApiRules[" + api + ": " + String.join("; ", description) + "]";
  }
}
