package io.strangler.diff;

import static io.strangler.diff.TestJson.apiRules;
import static io.strangler.diff.TestJson.canonicalJson;
import static io.strangler.diff.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ShortNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanonicalizerTest {
  private static final ApiRules NO_RULES = apiRules("{}");

  private static List<String> fieldOrder(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void canonicalize_sortsObjectFieldsAtEveryDepth() {
    JsonNode canonical =
        Canonicalizer.canonicalize(
            json("{'b': 1, 'a': {'z': 1, 'y': [{'d': 1, 'c': 2}]}}"), NO_RULES);

    assertThat(fieldOrder(canonical)).containsExactly("a", "b");
    assertThat(fieldOrder(canonical.get("a"))).containsExactly("y", "z");
    assertThat(fieldOrder(canonical.at("/a/y/0"))).containsExactly("c", "d");
  }

  @Test
  void canonicalize_numbers_integralValuesBecomeLongs() {
    for (JsonNode one :
        List.of(
            IntNode.valueOf(1),
            ShortNode.valueOf((short) 1),
            LongNode.valueOf(1),
            DoubleNode.valueOf(1.0),
            FloatNode.valueOf(1.0f),
            DecimalNode.valueOf(new BigDecimal("1.000")),
            DecimalNode.valueOf(new BigDecimal("0.1E1")),
            BigIntegerNode.valueOf(BigInteger.ONE))) {
      assertThat(Canonicalizer.canonicalize(one, NO_RULES))
          .as(one.getClass().getSimpleName())
          .isEqualTo(LongNode.valueOf(1));
    }
    assertThat(Canonicalizer.canonicalize(DoubleNode.valueOf(-0.0), NO_RULES))
        .isEqualTo(LongNode.valueOf(0));
    assertThat(Canonicalizer.canonicalize(DecimalNode.valueOf(new BigDecimal("0.00")), NO_RULES))
        .isEqualTo(LongNode.valueOf(0));
  }

  @Test
  void canonicalize_numbers_fractionsBecomeDoubles() {
    assertThat(Canonicalizer.canonicalize(DecimalNode.valueOf(new BigDecimal("12.50")), NO_RULES))
        .isEqualTo(DoubleNode.valueOf(12.5));
    assertThat(Canonicalizer.canonicalize(json("{'cpu': 12.5}"), NO_RULES))
        .isEqualTo(Canonicalizer.canonicalize(json("{'cpu': 1.25e1}"), NO_RULES));
  }

  @Test
  void canonicalize_numbers_hugeIntegersStayExact() {
    BigInteger huge = BigInteger.TWO.pow(70).add(BigInteger.ONE);
    assertThat(Canonicalizer.canonicalize(BigIntegerNode.valueOf(huge), NO_RULES))
        .isEqualTo(BigIntegerNode.valueOf(huge));
    assertThat(Canonicalizer.canonicalize(DecimalNode.valueOf(new BigDecimal(huge)), NO_RULES))
        .isEqualTo(BigIntegerNode.valueOf(huge));
  }

  @Test
  void canonicalize_keyedArray_sortsElementsByKey() {
    ApiRules rules = apiRules("keyedArrays: {/machines: machineId}");

    JsonNode canonical =
        Canonicalizer.canonicalize(
            json(
                "{'machines': [{'machineId': 'm-3'}, {'machineId': 'm-1'}, {'machineId': 'm-2'}]}"),
            rules);

    assertThat(canonical.findValuesAsText("machineId")).containsExactly("m-1", "m-2", "m-3");
  }

  @Test
  void canonicalize_keyedArrayNestedUnderWildcard_sortsEachNestedArray() {
    ApiRules rules = apiRules("keyedArrays: {/groups/*/members: id}");

    JsonNode canonical =
        Canonicalizer.canonicalize(
            json(
                "{'groups': [{'members': [{'id': 'b'}, {'id': 'a'}]}, {'members': [{'id': 2},"
                    + " {'id': 10}]}]}"),
            rules);

    assertThat(canonical.at("/groups/0/members").findValuesAsText("id")).containsExactly("a", "b");
    // Integer keys sort as their text: a stable order, which is all a set comparison needs.
    assertThat(canonical.at("/groups/1/members").findValuesAsText("id")).containsExactly("10", "2");
  }

  @Test
  void canonicalize_keyedArrayWithDuplicateOrMissingKeys_keepsIndexOrder() {
    ApiRules rules = apiRules("keyedArrays: {/xs: id}");

    JsonNode duplicates = json("{'xs': [{'id': 'b', 'n': 1}, {'id': 'a'}, {'id': 'b', 'n': 2}]}");
    JsonNode missing = json("{'xs': [{'id': 'b'}, {'name': 'a'}]}");
    JsonNode notObjects = json("{'xs': ['b', 'a']}");

    assertThat(Canonicalizer.canonicalize(duplicates, rules))
        .isEqualTo(Canonicalizer.canonicalize(duplicates, ApiRules.NONE));
    assertThat(Canonicalizer.canonicalize(duplicates, rules).at("/xs/2/n").asInt()).isEqualTo(2);
    assertThat(Canonicalizer.canonicalize(missing, rules).at("/xs/0/id").asText()).isEqualTo("b");
    assertThat(Canonicalizer.canonicalize(notObjects, rules).at("/xs/0").asText()).isEqualTo("b");
  }

  @Test
  void canonicalize_ignore_removesTheField() {
    ApiRules rules = apiRules("ignore: [/repl/createdAt]");

    assertThat(
            Canonicalizer.canonicalize(
                json("{'repl': {'replId': 'r-1', 'createdAt': 'x'}, 'createdAt': 'y'}"), rules))
        .isEqualTo(canonicalJson("{'repl': {'replId': 'r-1'}, 'createdAt': 'y'}"));
  }

  @Test
  void canonicalize_ignoreWildcard_matchesEveryArrayElement() {
    ApiRules rules = apiRules("ignore: [/containers/*/startedAt]");

    assertThat(
            Canonicalizer.canonicalize(
                json(
                    "{'containers': [{'containerId': 'c-1', 'startedAt': 1}, {'containerId': 'c-2',"
                        + " 'startedAt': 2}]}"),
                rules))
        .isEqualTo(
            canonicalJson("{'containers': [{'containerId': 'c-1'}, {'containerId': 'c-2'}]}"));
  }

  @Test
  void canonicalize_ignoreWildcard_matchesEveryObjectField() {
    ApiRules rules = apiRules("ignore: ['/*/etag']");

    assertThat(
            Canonicalizer.canonicalize(
                json(
                    "{'container': {'etag': 1, 'id': 'c'}, 'repl': {'etag': 2, 'id': 'r'}, 'etag':"
                        + " 3}"),
                rules))
        .isEqualTo(canonicalJson("{'container': {'id': 'c'}, 'repl': {'id': 'r'}, 'etag': 3}"));
  }

  @Test
  void canonicalize_ignoreInsideKeyedArray_literalSegmentIsTheKey() {
    ApiRules rules =
        apiRules(
            """
            keyedArrays: {/machines: machineId}
            ignore: [/machines/m-2/address]
            """);

    assertThat(
            Canonicalizer.canonicalize(
                json(
                    "{'machines': [{'machineId': 'm-2', 'address': 'a2'}, {'machineId': 'm-1',"
                        + " 'address': 'a1'}]}"),
                rules))
        .isEqualTo(
            canonicalJson(
                "{'machines': [{'machineId': 'm-1', 'address': 'a1'}, {'machineId': 'm-2'}]}"));
  }

  @Test
  void canonicalize_ignoreByIndex_inUnkeyedArray() {
    ApiRules rules = apiRules("ignore: [/xs/1]");

    assertThat(Canonicalizer.canonicalize(json("{'xs': [10, 11, 12]}"), rules))
        .isEqualTo(canonicalJson("{'xs': [10, 12]}"));
  }

  @Test
  void canonicalize_escapedPointer_matchesFieldWithSlashAndTilde() {
    ApiRules rules = apiRules("ignore: ['/a~1b', '/c~0d']");

    assertThat(Canonicalizer.canonicalize(json("{'a/b': 1, 'c~d': 2, 'e': 3}"), rules))
        .isEqualTo(canonicalJson("{'e': 3}"));
  }

  @Test
  void canonicalize_unkeyedArray_keepsItsOrder() {
    assertThat(Canonicalizer.canonicalize(json("[3, 1.0, 2]"), NO_RULES)).hasToString("[3,1,2]");
  }

  @Test
  void canonicalize_doesNotModifyTheInput() {
    ApiRules rules = apiRules("keyedArrays: {/xs: id}\nignore: [/drop]");
    JsonNode input = json("{'drop': 1, 'xs': [{'id': 'b'}, {'id': 'a', 'v': 1.0}]}");
    JsonNode copy = input.deepCopy();

    Canonicalizer.canonicalize(input, rules);

    assertThat(input).isEqualTo(copy);
    assertThat(input.at("/xs/0/id").asText()).isEqualTo("b");
  }
}
