package io.strangler.convergence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;

/**
 * The canonical JSON of an entity, the same shape from either store, so the diff engine compares
 * them field by field. Times are epoch milliseconds, counts and capacities longs, ids strings; a
 * field the store lacks is JSON null. Legacy strings that do not parse as the number they should be
 * stay strings, so damaged data shows as a difference instead of failing the scan.
 *
 * <ul>
 *   <li>repl: {@code replId ownerId slug region cluster pendingTransferTo createdAt current
 *       containers[ids by startedAt, id]}
 *   <li>machine: {@code machineId cluster address capacity state cpuPercent registeredAt
 *       lastHeartbeatAt runningContainers running[ids sorted] containers[ids by startedAt, id]
 *       listed}
 *   <li>container: {@code containerId replId machineId cluster state startedAt stoppedAt}
 *   <li>tombstone (live ones only): {@code replId from to createdAt expiresAt}
 *   <li>slug: {@code slug replId}
 * </ul>
 */
final class Docs {
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Docs() {}

  static ObjectNode object() {
    return F.objectNode();
  }

  static ArrayNode ids(Collection<String> ids) {
    ArrayNode a = F.arrayNode(ids.size());
    ids.forEach(a::add);
    return a;
  }

  /** A legacy integer or time field: a number when it parses, else the raw string, else null. */
  static JsonNode legacyLong(String v) {
    if (v == null) {
      return F.nullNode();
    }
    try {
      return F.numberNode(Long.parseLong(v));
    } catch (NumberFormatException e) {
      return F.textNode(v);
    }
  }

  static JsonNode legacyDouble(String v) {
    if (v == null) {
      return F.nullNode();
    }
    try {
      return F.numberNode(Double.parseDouble(v));
    } catch (NumberFormatException e) {
      return F.textNode(v);
    }
  }

  static JsonNode text(String v) {
    return v == null ? F.nullNode() : F.textNode(v);
  }

  /** A string field of a doc, or null when absent or JSON null. */
  static String str(JsonNode doc, String field) {
    JsonNode n = doc.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  /** A time or count field of a doc; the caller has checked it is a number. */
  static long num(JsonNode doc, String field) {
    JsonNode n = doc.get(field);
    if (n == null || !n.isNumber()) {
      throw new IllegalArgumentException(
          "field '" + field + "' is " + (n == null ? "absent" : n.toString()) + ", not a number");
    }
    return n.longValue();
  }
}
