package io.strangler.flags;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The content of a flags file (JSON), immutable. Every field is optional:
 *
 * <pre>{@code
 * {
 *   "defaultMode": "LEGACY_ONLY",
 *   "killLegacy": false,
 *   "killNew": false,
 *   "apis": {
 *     "GetRepl":    { "mode": "NEW_PRIMARY", "rolloutPercent": 30 },
 *     "CreateRepl": { "mode": "SHADOW" }
 *   }
 * }
 * }</pre>
 *
 * Parsing is strict: an unknown field, an unknown mode, a rollout outside 0..100 or a malformed
 * operation name is an error naming where it is, and nothing of the file is used.
 *
 * @param defaultMode the mode of APIs with no entry; null means the source's configured default
 * @param apis per-API settings, by operation name
 */
public record FlagsFile(
    Mode defaultMode, boolean killLegacy, boolean killNew, Map<String, ApiSetting> apis) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern OPERATION = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,127}");
  private static final Set<String> TOP_FIELDS =
      Set.of("defaultMode", "killLegacy", "killNew", "apis");
  private static final Set<String> API_FIELDS = Set.of("mode", "rolloutPercent");

  public static final FlagsFile EMPTY = new FlagsFile(null, false, false, Map.of());

  public FlagsFile {
    Objects.requireNonNull(apis, "apis");
    for (String op : apis.keySet()) {
      checkOperation(op);
    }
    // Sorted, so that what is written back is stable and diffs of the file stay small.
    apis = Collections.unmodifiableMap(new TreeMap<>(apis));
  }

  /** Every listed API in one mode, fully rolled out: a starting file for a migration or demo. */
  public static FlagsFile allIn(Mode mode, Iterable<String> operations) {
    Map<String, ApiSetting> apis = new TreeMap<>();
    for (String op : operations) {
      apis.put(op, ApiSetting.of(mode));
    }
    return new FlagsFile(null, false, false, apis);
  }

  /** This file with one API's setting replaced (or added). */
  public FlagsFile with(String operation, ApiSetting setting) {
    Map<String, ApiSetting> next = new TreeMap<>(apis);
    next.put(operation, Objects.requireNonNull(setting, "setting"));
    return new FlagsFile(defaultMode, killLegacy, killNew, next);
  }

  public FlagsFile withKillSwitches(boolean legacy, boolean fresh) {
    return new FlagsFile(defaultMode, legacy, fresh, apis);
  }

  /**
   * Checks an operation name's shape (letters, digits, '_' and '-', starting with a letter).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static void checkOperation(String operation) {
    if (operation == null || !OPERATION.matcher(operation).matches()) {
      throw new IllegalArgumentException(
          "not an operation name: '"
              + operation
              + "' (letters, digits, '_' and '-', starting with a letter, at most 128)");
    }
  }

  /**
   * Parses a flags file.
   *
   * @throws IllegalArgumentException with a message that says where the problem is
   */
  public static FlagsFile parse(byte[] content) {
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage() + at(e), e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new IllegalArgumentException(
          "the file is empty (expected a JSON object, e.g. {\"apis\": {}})");
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object at the top, got " + kind(root));
    }
    checkFields(root, TOP_FIELDS, "");
    Mode defaultMode =
        root.has("defaultMode") ? mode(root.get("defaultMode"), "defaultMode") : null;
    boolean killLegacy = bool(root, "killLegacy");
    boolean killNew = bool(root, "killNew");
    Map<String, ApiSetting> apis = new TreeMap<>();
    JsonNode apisNode = root.get("apis");
    if (apisNode != null && !apisNode.isNull()) {
      if (!apisNode.isObject()) {
        throw new IllegalArgumentException(
            "apis: expected an object of operation name to {mode, rolloutPercent}, got "
                + kind(apisNode));
      }
      for (Map.Entry<String, JsonNode> e : apisNode.properties()) {
        String op = e.getKey();
        String path = "apis." + op;
        try {
          checkOperation(op);
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("apis: " + ex.getMessage(), ex);
        }
        JsonNode api = e.getValue();
        if (!api.isObject()) {
          throw new IllegalArgumentException(
              path + ": expected {\"mode\": ..., \"rolloutPercent\": ...}, got " + kind(api));
        }
        checkFields(api, API_FIELDS, path + ".");
        JsonNode modeNode = api.get("mode");
        if (modeNode == null || modeNode.isNull()) {
          throw new IllegalArgumentException(path + ".mode: missing");
        }
        Mode mode = mode(modeNode, path + ".mode");
        int rollout = 100;
        JsonNode r = api.get("rolloutPercent");
        if (r != null && !r.isNull()) {
          if (!r.isIntegralNumber() || r.asLong() < 0 || r.asLong() > 100) {
            throw new IllegalArgumentException(
                path + ".rolloutPercent: expected a whole number within 0..100, got " + r);
          }
          rollout = r.asInt();
        }
        apis.put(op, new ApiSetting(mode, rollout));
      }
    }
    return new FlagsFile(defaultMode, killLegacy, killNew, apis);
  }

  /** The file's JSON, as {@link #parse} reads it: fields in a fixed order, APIs sorted. */
  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    if (defaultMode != null) {
      root.put("defaultMode", defaultMode.name());
    }
    root.put("killLegacy", killLegacy);
    root.put("killNew", killNew);
    ObjectNode apisNode = root.putObject("apis");
    apis.forEach(
        (op, s) -> {
          ObjectNode n = apisNode.putObject(op);
          n.put("mode", s.mode().name());
          n.put("rolloutPercent", s.rolloutPercent());
        });
    try {
      return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render flags file", e);
    }
  }

  private static Mode mode(JsonNode node, String path) {
    if (!node.isTextual()) {
      throw new IllegalArgumentException(path + ": expected a mode name, got " + kind(node));
    }
    try {
      return Mode.parse(node.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }

  private static boolean bool(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw new IllegalArgumentException(field + ": expected true or false, got " + n);
    }
    return n.asBoolean();
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String prefix) {
    List<String> unknown = new ArrayList<>();
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!allowed.contains(f)) {
                unknown.add(f);
              }
            });
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          prefix
              + unknown.get(0)
              + ": unknown field (expected "
              + String.join(", ", new TreeSet<>(allowed))
              + ")");
    }
  }

  private static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(Locale.ROOT) + " " + n;
  }

  private static String at(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }
}
