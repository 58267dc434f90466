package io.strangler.diff;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads, validates and compiles a rules file. Every failure names the file, API and pattern. */
final class RulesParser {
  static final int VERSION = 1;
  private static final String DEFAULTS = "defaults";
  private static final List<String> TOP_LEVEL = List.of("version", DEFAULTS, "apis");
  private static final List<String> OPTIONS =
      List.of("ignore", "keyedArrays", "tolerance", "errors");
  private static final List<String> TOLERANCE_OPTIONS = List.of("default", "paths");
  private static final List<String> ERROR_OPTIONS = List.of("compareMessage");

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final ObjectMapper YAML =
      YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

  /** One API's options as written; null fields were not given. */
  private record Options(
      Map<String, String> ignore,
      Map<String, String> keyedArrays,
      BigDecimal defaultTolerance,
      Map<String, BigDecimal> tolerances,
      Boolean compareMessage) {
    static final Options EMPTY = new Options(Map.of(), Map.of(), null, Map.of(), null);
  }

  private final String source;

  private RulesParser(String source) {
    this.source = source;
  }

  static DiffRules parse(String source, DiffRules.Format format, String content) {
    return new RulesParser(source).parse(format, content);
  }

  private DiffRules parse(DiffRules.Format format, String content) {
    JsonNode root;
    try {
      root = (format == DiffRules.Format.YAML ? YAML : JSON).readTree(content);
    } catch (JsonProcessingException e) {
      throw new DiffRulesException(
          "Invalid diff rules in " + source + ": not valid " + format + ": " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw fail("the file is empty; it needs at least \"version: " + VERSION + "\"");
    }
    if (!root.isObject()) {
      throw fail("the top level must be an object with " + TOP_LEVEL);
    }
    root.fieldNames()
        .forEachRemaining(
            name -> {
              if (!TOP_LEVEL.contains(name)) {
                throw fail("unknown top-level key '" + name + "'; the known keys are " + TOP_LEVEL);
              }
            });
    JsonNode version = root.get("version");
    if (version == null || !version.isIntegralNumber() || version.asInt() != VERSION) {
      throw fail("\"version\" must be " + VERSION + " (found " + version + ")");
    }
    Options defaults = options(DEFAULTS, root.get(DEFAULTS));
    // Compiled first so that a contradiction inside the defaults is reported as theirs.
    ApiRules fallback = compile(DEFAULTS, merge(defaults, Options.EMPTY));
    JsonNode apis = root.get("apis");
    Map<String, ApiRules> byApi = new LinkedHashMap<>();
    if (apis != null && !apis.isNull()) {
      if (!apis.isObject()) {
        throw fail("\"apis\" must map API names to their options");
      }
      for (Map.Entry<String, JsonNode> api : apis.properties()) {
        String name = api.getKey();
        if (name.isBlank() || name.equals(DEFAULTS)) {
          throw fail("'" + name + "' cannot name an API");
        }
        byApi.put(name, compile(name, merge(defaults, options(name, api.getValue()))));
      }
    }
    return new DiffRules(source, byApi, fallback);
  }

  private Options options(String api, JsonNode node) {
    if (node == null || node.isNull()) {
      return Options.EMPTY;
    }
    if (!node.isObject()) {
      throw fail(api, "the options must be an object with any of " + OPTIONS);
    }
    for (String name : iterable(node)) {
      if (!OPTIONS.contains(name)) {
        throw fail(api, "unknown option '" + name + "'; the known options are " + OPTIONS);
      }
    }
    Map<String, String> ignore = new LinkedHashMap<>();
    JsonNode ignoreNode = node.get("ignore");
    if (ignoreNode != null && !ignoreNode.isNull()) {
      if (!ignoreNode.isArray()) {
        throw fail(api, "\"ignore\" must be a list of JSON Pointers");
      }
      for (JsonNode pointer : ignoreNode) {
        if (!pointer.isTextual()) {
          throw fail(api, "\"ignore\" must list JSON Pointers as strings, found " + pointer);
        }
        String where = "ignore \"" + pointer.textValue() + "\"";
        if (pointer.textValue().isEmpty()) {
          throw fail(api, where + ": cannot ignore the whole document");
        }
        ignore.put(pointer.textValue(), where);
      }
    }
    Map<String, String> keyed = new LinkedHashMap<>();
    JsonNode keyedNode = node.get("keyedArrays");
    if (keyedNode != null && !keyedNode.isNull()) {
      if (!keyedNode.isObject()) {
        throw fail(api, "\"keyedArrays\" must map an array's JSON Pointer to its key field");
      }
      for (Map.Entry<String, JsonNode> entry : keyedNode.properties()) {
        JsonNode field = entry.getValue();
        if (!field.isTextual() || field.textValue().isEmpty()) {
          throw fail(
              api,
              "keyedArrays \""
                  + entry.getKey()
                  + "\": the key field must be a non-empty field name, found "
                  + field);
        }
        keyed.put(entry.getKey(), field.textValue());
      }
    }
    BigDecimal defaultTolerance = null;
    Map<String, BigDecimal> tolerances = new LinkedHashMap<>();
    JsonNode toleranceNode = node.get("tolerance");
    if (toleranceNode != null && !toleranceNode.isNull()) {
      if (!toleranceNode.isObject()) {
        throw fail(api, "\"tolerance\" must be an object with any of " + TOLERANCE_OPTIONS);
      }
      for (String name : iterable(toleranceNode)) {
        if (!TOLERANCE_OPTIONS.contains(name)) {
          throw fail(
              api,
              "unknown option 'tolerance."
                  + name
                  + "'; the known options are "
                  + TOLERANCE_OPTIONS);
        }
      }
      JsonNode defaultNode = toleranceNode.get("default");
      if (defaultNode != null) {
        defaultTolerance = tolerance(api, "tolerance.default", defaultNode);
      }
      JsonNode paths = toleranceNode.get("paths");
      if (paths != null && !paths.isNull()) {
        if (!paths.isObject()) {
          throw fail(api, "\"tolerance.paths\" must map JSON Pointers to tolerances");
        }
        for (Map.Entry<String, JsonNode> entry : paths.properties()) {
          tolerances.put(
              entry.getKey(),
              tolerance(api, "tolerance.paths \"" + entry.getKey() + "\"", entry.getValue()));
        }
      }
    }
    Boolean compareMessage = null;
    JsonNode errors = node.get("errors");
    if (errors != null && !errors.isNull()) {
      if (!errors.isObject()) {
        throw fail(api, "\"errors\" must be an object with any of " + ERROR_OPTIONS);
      }
      for (String name : iterable(errors)) {
        if (!ERROR_OPTIONS.contains(name)) {
          throw fail(
              api, "unknown option 'errors." + name + "'; the known options are " + ERROR_OPTIONS);
        }
      }
      JsonNode flag = errors.get("compareMessage");
      if (flag != null) {
        if (!flag.isBoolean()) {
          throw fail(api, "\"errors.compareMessage\" must be true or false, found " + flag);
        }
        compareMessage = flag.booleanValue();
      }
    }
    return new Options(ignore, keyed, defaultTolerance, tolerances, compareMessage);
  }

  private BigDecimal tolerance(String api, String where, JsonNode node) {
    if (!node.isNumber()) {
      throw fail(api, where + ": a tolerance must be a number, found " + node);
    }
    BigDecimal value = node.decimalValue();
    if (value.signum() < 0) {
      throw fail(api, where + ": a tolerance must not be negative, found " + node);
    }
    return value;
  }

  private static Options merge(Options defaults, Options own) {
    Map<String, String> ignore = new LinkedHashMap<>(defaults.ignore());
    ignore.putAll(own.ignore());
    Map<String, String> keyed = new LinkedHashMap<>(defaults.keyedArrays());
    keyed.putAll(own.keyedArrays());
    Map<String, BigDecimal> tolerances = new LinkedHashMap<>(defaults.tolerances());
    tolerances.putAll(own.tolerances());
    return new Options(
        ignore,
        keyed,
        own.defaultTolerance() != null ? own.defaultTolerance() : defaults.defaultTolerance(),
        tolerances,
        own.compareMessage() != null ? own.compareMessage() : defaults.compareMessage());
  }

  private ApiRules compile(String api, Options options) {
    List<RuleCompiler.Rule> rules = new ArrayList<>();
    List<String> description = new ArrayList<>();
    options
        .ignore()
        .forEach(
            (pointer, where) -> {
              rules.add(
                  new RuleCompiler.Rule(
                      RuleCompiler.Kind.IGNORE, where, segments(api, where, pointer), null, null));
              description.add(where);
            });
    options
        .keyedArrays()
        .forEach(
            (pointer, field) -> {
              String where = "keyedArrays \"" + pointer + "\"";
              rules.add(
                  new RuleCompiler.Rule(
                      RuleCompiler.Kind.KEYED, where, segments(api, where, pointer), field, null));
              description.add(where + ": " + field);
            });
    options
        .tolerances()
        .forEach(
            (pointer, tolerance) -> {
              String where = "tolerance.paths \"" + pointer + "\"";
              rules.add(
                  new RuleCompiler.Rule(
                      RuleCompiler.Kind.TOLERANCE,
                      where,
                      segments(api, where, pointer),
                      null,
                      tolerance));
              description.add(where + ": " + tolerance.toPlainString());
            });
    BigDecimal defaultTolerance =
        options.defaultTolerance() != null ? options.defaultTolerance() : BigDecimal.ZERO;
    boolean compareMessage = Boolean.TRUE.equals(options.compareMessage());
    description.add("tolerance.default: " + defaultTolerance.toPlainString());
    description.add("errors.compareMessage: " + compareMessage);
    RuleState root;
    try {
      root = RuleCompiler.compile(rules);
    } catch (IllegalArgumentException e) {
      throw fail(api, e.getMessage());
    }
    return new ApiRules(api, root, defaultTolerance, compareMessage, description);
  }

  private List<String> segments(String api, String where, String pointer) {
    try {
      return Pointers.parse(pointer);
    } catch (IllegalArgumentException e) {
      throw fail(api, where + ": bad JSON Pointer: " + e.getMessage());
    }
  }

  private static Iterable<String> iterable(JsonNode object) {
    return object::fieldNames;
  }

  private DiffRulesException fail(String message) {
    return new DiffRulesException("Invalid diff rules in " + source + ": " + message);
  }

  private DiffRulesException fail(String api, String message) {
    String who = api.equals(DEFAULTS) ? "defaults" : "API '" + api + "'";
    return new DiffRulesException("Invalid diff rules in " + source + ": " + who + ": " + message);
  }
}
