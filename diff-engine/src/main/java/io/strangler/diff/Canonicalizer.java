package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites an answer into the form two equivalent answers share: ignored paths removed, object
 * fields sorted by name, keyed arrays sorted by key, and numbers in one representation (integral
 * values as longs, so 1 and 1.0 are the same node; other values as doubles). The input is never
 * modified; the result is a new tree.
 */
public final class Canonicalizer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** 2^63 as a double: integral doubles below it in magnitude are exact longs. */
  private static final double LONG_RANGE = 0x1p63;

  private Canonicalizer() {}

  /** The canonical form of {@code document} under {@code rules}. */
  public static JsonNode canonicalize(JsonNode document, ApiRules rules) {
    return canonical(document, rules.root());
  }

  private static JsonNode canonical(JsonNode node, RuleState state) {
    return switch (node.getNodeType()) {
      case OBJECT -> object((ObjectNode) node, state);
      case ARRAY -> array((ArrayNode) node, state);
      case NUMBER -> number(node);
      default -> node; // strings, booleans, null and missing nodes are immutable and canonical
    };
  }

  private static ObjectNode object(ObjectNode node, RuleState state) {
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
    if (fields.size() > 1) {
      fields.sort(Map.Entry.comparingByKey());
    }
    ObjectNode out = new ObjectNode(NODES);
    for (Map.Entry<String, JsonNode> field : fields) {
      RuleState child = state.isNone() ? state : state.child(field.getKey());
      if (!child.ignored()) {
        out.set(field.getKey(), canonical(field.getValue(), child));
      }
    }
    return out;
  }

  private static ArrayNode array(ArrayNode node, RuleState state) {
    String keyField = state.keyField();
    String[] keys = keyField == null ? null : keys(node, keyField);
    ArrayNode out = new ArrayNode(NODES, node.size());
    if (keys == null) {
      for (int i = 0; i < node.size(); i++) {
        RuleState child = state.isNone() ? state : state.childAt(i);
        if (!child.ignored()) {
          out.add(canonical(node.get(i), child));
        }
      }
      return out;
    }
    Integer[] order = new Integer[keys.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
    for (int i : order) {
      RuleState child = state.child(keys[i]);
      if (!child.ignored()) {
        out.add(canonical(node.get(i), child));
      }
    }
    return out;
  }

  /**
   * The key of each element, or null when the array cannot be keyed (an element is not an object,
   * lacks the key, has a key that is not a string or an integer, or two share a key): such an array
   * is kept and compared by index, so that no element is lost or merged.
   */
  static String[] keys(ArrayNode array, String keyField) {
    String[] keys = new String[array.size()];
    Set<String> seen = keys.length > 1 ? new HashSet<>(keys.length * 2) : null;
    for (int i = 0; i < keys.length; i++) {
      JsonNode key = array.get(i).get(keyField);
      if (key == null) {
        return null;
      }
      if (key.isTextual()) {
        keys[i] = key.textValue();
      } else if (key.isIntegralNumber() || (key.isNumber() && number(key).isIntegralNumber())) {
        keys[i] = number(key).asText();
      } else {
        return null;
      }
      if (seen != null && !seen.add(keys[i])) {
        return null;
      }
    }
    return keys;
  }

  static JsonNode number(JsonNode node) {
    switch (node.numberType()) {
      case INT, LONG -> {
        return node instanceof LongNode ? node : LongNode.valueOf(node.longValue());
      }
      case BIG_INTEGER -> {
        BigInteger value = node.bigIntegerValue();
        return value.bitLength() < 64 ? LongNode.valueOf(value.longValue()) : node;
      }
      case BIG_DECIMAL -> {
        BigDecimal value = node.decimalValue();
        if (value.signum() == 0) {
          return LongNode.valueOf(0);
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() <= 0) {
          BigInteger integral = stripped.toBigIntegerExact();
          return integral.bitLength() < 64
              ? LongNode.valueOf(integral.longValue())
              : BigIntegerNode.valueOf(integral);
        }
        return DoubleNode.valueOf(value.doubleValue());
      }
      default -> {
        double value = node.doubleValue();
        if (value == Math.rint(value) && Math.abs(value) < LONG_RANGE) {
          return LongNode.valueOf((long) value);
        }
        return node instanceof DoubleNode ? node : DoubleNode.valueOf(value);
      }
    }
  }
}
