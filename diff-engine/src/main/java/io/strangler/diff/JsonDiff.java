package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The field-level differences between two canonical answers (see {@link Canonicalizer}): a pure
 * function. Keyed arrays are matched element by element on their key; numbers agree when they
 * differ by no more than the tolerance for their path. Differences come in path order.
 */
public final class JsonDiff {
  private static final String FOLDED_ELEMENT = "/*";

  private JsonDiff() {}

  /**
   * The differences between {@code legacy} and {@code newer}, both canonical under {@code rules};
   * empty when they agree. Either may be a missing node (no answer).
   */
  public static List<FieldDiff> diff(JsonNode legacy, JsonNode newer, ApiRules rules) {
    if (legacy.equals(newer)) {
      return List.of();
    }
    Walk walk = new Walk(rules.defaultTolerance());
    walk.compare(legacy, newer, rules.root());
    return List.copyOf(walk.diffs);
  }

  private static final class Walk {
    private final BigDecimal defaultTolerance;
    private final StringBuilder path = new StringBuilder(64);
    private final StringBuilder folded = new StringBuilder(64);
    private final List<FieldDiff> diffs = new ArrayList<>();

    Walk(BigDecimal defaultTolerance) {
      this.defaultTolerance = defaultTolerance;
    }

    void compare(JsonNode legacy, JsonNode newer, RuleState state) {
      if (legacy.isObject() && newer.isObject()) {
        objects(legacy, newer, state);
      } else if (legacy.isArray() && newer.isArray()) {
        arrays((ArrayNode) legacy, (ArrayNode) newer, state);
      } else if (legacy.isNumber() && newer.isNumber()) {
        if (!numbersAgree(legacy, newer, state)) {
          report(legacy, newer);
        }
      } else if (!legacy.equals(newer)) {
        report(legacy, newer);
      }
    }

    private void objects(JsonNode legacy, JsonNode newer, RuleState state) {
      TreeSet<String> names = new TreeSet<>();
      legacy.fieldNames().forEachRemaining(names::add);
      newer.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode a = legacy.path(name);
        JsonNode b = newer.path(name);
        if (a.equals(b)) {
          continue;
        }
        int pathMark = path.length();
        int foldedMark = folded.length();
        Pointers.append(path, name);
        Pointers.append(folded, name);
        compare(a, b, state.child(name));
        path.setLength(pathMark);
        folded.setLength(foldedMark);
      }
    }

    private void arrays(ArrayNode legacy, ArrayNode newer, RuleState state) {
      String keyField = state.keyField();
      String[] legacyKeys = keyField == null ? null : Canonicalizer.keys(legacy, keyField);
      String[] newKeys = legacyKeys == null ? null : Canonicalizer.keys(newer, keyField);
      if (newKeys != null) {
        keyed(legacy, legacyKeys, newer, newKeys, state);
        return;
      }
      int size = Math.max(legacy.size(), newer.size());
      for (int i = 0; i < size; i++) {
        JsonNode a = legacy.path(i);
        JsonNode b = newer.path(i);
        if (!a.equals(b)) {
          element(Integer.toString(i), a, b, state.childAt(i));
        }
      }
    }

    private void keyed(
        ArrayNode legacy, String[] legacyKeys, ArrayNode newer, String[] newKeys, RuleState state) {
      Map<String, JsonNode> byKey = new HashMap<>(newKeys.length * 2);
      for (int i = 0; i < newKeys.length; i++) {
        byKey.put(newKeys[i], newer.get(i));
      }
      TreeSet<String> keys = new TreeSet<>(byKey.keySet());
      Map<String, JsonNode> legacyByKey = new HashMap<>(legacyKeys.length * 2);
      for (int i = 0; i < legacyKeys.length; i++) {
        legacyByKey.put(legacyKeys[i], legacy.get(i));
        keys.add(legacyKeys[i]);
      }
      for (String key : keys) {
        JsonNode a = legacyByKey.getOrDefault(key, MissingNode.getInstance());
        JsonNode b = byKey.getOrDefault(key, MissingNode.getInstance());
        if (!a.equals(b)) {
          element(key, a, b, state.child(key));
        }
      }
    }

    private void element(String segment, JsonNode a, JsonNode b, RuleState child) {
      int pathMark = path.length();
      int foldedMark = folded.length();
      Pointers.append(path, segment);
      folded.append(FOLDED_ELEMENT);
      compare(a, b, child);
      path.setLength(pathMark);
      folded.setLength(foldedMark);
    }

    private boolean numbersAgree(JsonNode a, JsonNode b, RuleState state) {
      double x = a.doubleValue();
      double y = b.doubleValue();
      if (!Double.isFinite(x) || !Double.isFinite(y)) {
        return Double.compare(x, y) == 0;
      }
      BigDecimal tolerance = state.tolerance() != null ? state.tolerance() : defaultTolerance;
      // Exact decimal arithmetic: 1.1 and 1.0 are within 0.1, which doubles would deny.
      return a.decimalValue().subtract(b.decimalValue()).abs().compareTo(tolerance) <= 0;
    }

    private void report(JsonNode legacy, JsonNode newer) {
      diffs.add(new FieldDiff(path.toString(), folded.toString(), legacy, newer));
    }
  }
}
