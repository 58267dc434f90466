package io.strangler.diff;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one API's patterns into a deterministic {@link RuleState} automaton (the subset
 * construction: a state is the set of pattern positions a path can be at). Two patterns that reach
 * the same path with contradicting rules are found here, at load time, with both named.
 */
final class RuleCompiler {
  /** Guards against rule sets whose wildcards multiply states; real sets have a few dozen. */
  static final int MAX_STATES = 10_000;

  enum Kind {
    IGNORE,
    KEYED,
    TOLERANCE
  }

  /** One rule as written: where it came from (for messages), its segments and its value. */
  record Rule(
      Kind kind, String where, List<String> segments, String keyField, BigDecimal tolerance) {}

  private record Item(int rule, int position) implements Comparable<Item> {
    @Override
    public int compareTo(Item o) {
      return rule != o.rule ? Integer.compare(rule, o.rule) : Integer.compare(position, o.position);
    }
  }

  private final List<Rule> rules;
  private final Map<Set<Item>, RuleState> built = new HashMap<>();
  private final Map<RuleState, Set<Item>> itemsOf = new IdentityHashMap<>();

  private RuleCompiler(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Compiles {@code rules}.
   *
   * @throws IllegalArgumentException naming the rules that contradict each other
   */
  static RuleState compile(List<Rule> rules) {
    if (rules.isEmpty()) {
      return RuleState.NONE;
    }
    RuleCompiler compiler = new RuleCompiler(rules);
    Set<Item> start = new TreeSet<>();
    for (int i = 0; i < rules.size(); i++) {
      start.add(new Item(i, 0));
    }
    RuleState root = compiler.state(start);
    compiler.checkKeyFieldsKept();
    return root;
  }

  private RuleState state(Set<Item> items) {
    if (items.isEmpty()) {
      return RuleState.NONE;
    }
    RuleState known = built.get(items);
    if (known != null) {
      return known;
    }
    if (built.size() >= MAX_STATES) {
      throw new IllegalArgumentException(
          "the patterns are too many or too overlapping to compile (more than "
              + MAX_STATES
              + " states)");
    }
    boolean ignored = false;
    String keyField = null;
    Rule keyedBy = null;
    BigDecimal tolerance = null;
    Rule toleranceBy = null;
    Set<String> literalSegments = new TreeSet<>();
    Set<Item> wildcardNext = new TreeSet<>();
    for (Item item : items) {
      Rule rule = rules.get(item.rule());
      if (item.position() == rule.segments().size()) {
        switch (rule.kind()) {
          case IGNORE -> ignored = true;
          case KEYED -> {
            if (keyedBy != null && !keyField.equals(rule.keyField())) {
              throw conflict(keyedBy, rule, "key the same array by different fields");
            }
            keyField = rule.keyField();
            keyedBy = rule;
          }
          case TOLERANCE -> {
            if (toleranceBy != null && tolerance.compareTo(rule.tolerance()) != 0) {
              throw conflict(toleranceBy, rule, "give the same number different tolerances");
            }
            tolerance = rule.tolerance();
            toleranceBy = rule;
          }
        }
        continue;
      }
      String segment = rule.segments().get(item.position());
      if (segment.equals(Pointers.WILDCARD)) {
        wildcardNext.add(new Item(item.rule(), item.position() + 1));
      } else {
        literalSegments.add(segment);
      }
    }
    Map<String, RuleState> literals = new LinkedHashMap<>();
    for (String literal : literalSegments) {
      Set<Item> next = new TreeSet<>(wildcardNext);
      for (Item item : items) {
        Rule rule = rules.get(item.rule());
        if (item.position() < rule.segments().size()
            && rule.segments().get(item.position()).equals(literal)) {
          next.add(new Item(item.rule(), item.position() + 1));
        }
      }
      literals.put(literal, state(next));
    }
    RuleState other = state(wildcardNext);
    RuleState state = new RuleState(literals, other, ignored, keyField, tolerance);
    built.put(Set.copyOf(items), state);
    itemsOf.put(state, items);
    return state;
  }

  /** An array keyed by a field must keep that field: an ignore rule must not remove it. */
  private void checkKeyFieldsKept() {
    for (Map.Entry<RuleState, Set<Item>> entry : itemsOf.entrySet()) {
      RuleState array = entry.getKey();
      if (array.keyField() == null) {
        continue;
      }
      List<RuleState> elements = new ArrayList<>(array.literals().values());
      elements.add(array.other());
      for (RuleState element : elements) {
        RuleState key = element.child(array.keyField());
        if (key.ignored()) {
          throw new IllegalArgumentException(
              ruleAt(entry.getValue(), Kind.KEYED)
                  + " keys an array by '"
                  + array.keyField()
                  + "' but "
                  + ruleAt(itemsOf.get(key), Kind.IGNORE)
                  + " removes that field");
        }
      }
    }
  }

  private String ruleAt(Set<Item> items, Kind kind) {
    for (Item item : items) {
      Rule rule = rules.get(item.rule());
      if (rule.kind() == kind && item.position() == rule.segments().size()) {
        return rule.where();
      }
    }
    throw new IllegalStateException("no " + kind + " rule ends in " + items);
  }

  private static IllegalArgumentException conflict(Rule first, Rule second, String what) {
    return new IllegalArgumentException(
        first.where() + " and " + second.where() + " reach the same path and " + what);
  }
}
