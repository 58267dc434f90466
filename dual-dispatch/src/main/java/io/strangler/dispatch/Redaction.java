package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One field the traffic log must not hold: a JSON Pointer into a log line whose {@code *} segments
 * match every element of an array or every field of an object. A pointer that names nothing in a
 * line leaves it alone.
 */
record Redaction(String pointer, List<String> segments) {
  static final TextNode REDACTED = TextNode.valueOf("[redacted]");

  Redaction {
    segments = List.copyOf(segments);
  }

  static Redaction parse(String pointer) {
    if (pointer == null || !pointer.startsWith("/") || pointer.length() < 2) {
      throw new IllegalArgumentException(
          "a redacted field is a JSON Pointer such as /request/address or"
              + " /answer/machines/*/address, got '"
              + pointer
              + "'");
    }
    List<String> segments = new ArrayList<>();
    for (String raw : pointer.substring(1).split("/", -1)) {
      if (raw.isEmpty()) {
        throw new IllegalArgumentException("redacted field '" + pointer + "' has an empty segment");
      }
      if (raw.matches(".*~([^01].*|$)")) {
        throw new IllegalArgumentException(
            "redacted field '" + pointer + "': '~' must be followed by 0 or 1 (RFC 6901)");
      }
      segments.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return new Redaction(pointer, segments);
  }

  /** Replaces every value the pointer names in {@code node}, in place. */
  void apply(JsonNode node) {
    apply(node, 0);
  }

  private void apply(JsonNode node, int depth) {
    String segment = segments.get(depth);
    boolean last = depth == segments.size() - 1;
    if (node instanceof ObjectNode object) {
      if (segment.equals("*")) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
          if (last) {
            object.set(name, REDACTED);
          } else {
            apply(object.get(name), depth + 1);
          }
        }
      } else if (object.has(segment)) {
        if (last) {
          object.set(segment, REDACTED);
        } else {
          apply(object.get(segment), depth + 1);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (segment.equals("*") || segment.equals(Integer.toString(i))) {
          if (last) {
            array.set(i, REDACTED);
          } else {
            apply(array.get(i), depth + 1);
          }
        }
      }
    }
  }
}
