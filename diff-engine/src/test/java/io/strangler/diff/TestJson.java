package io.strangler.diff;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** JSON literals for tests; single quotes allowed so that answers read well inside Java. */
final class TestJson {
  static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private TestJson() {}

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad test JSON: " + text, e);
    }
  }

  /** {@code text} parsed and canonicalized without rules: what to compare canonical output with. */
  static JsonNode canonicalJson(String text) {
    return Canonicalizer.canonicalize(json(text), ApiRules.NONE);
  }

  static DiffRules yaml(String text) {
    return DiffRules.parse("test.yaml", DiffRules.Format.YAML, text);
  }

  /** Rules for one API named "Api", given the YAML of its options (indented under it). */
  static ApiRules apiRules(String optionsYaml) {
    String indented = optionsYaml.stripIndent().indent(4);
    return yaml("version: 1\napis:\n  Api:\n" + indented).forApi("Api");
  }
}
