package io.strangler.diff;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random documents (seeded, so a failure replays) against shuffled copies of themselves: the same
 * document with fields in another order, keyed arrays in another order and integers written as
 * decimals must MATCH; one changed value must be exactly one difference.
 */
class CanonicalizationPropertyTest {
  private static final long SEED = 20261121L;
  private static final int DOCUMENTS = 400;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> KEY_FIELDS = Set.of("id", "name");
  private static final DiffRules RULES =
      TestJson.yaml(
          """
          version: 1
          apis:
            Random:
              keyedArrays:
                /items: id
                /items/*/parts: name
                /groups/*/members: id
          """);
  private static final Classifier CLASSIFIER = new Classifier(RULES);

  @Test
  void classify_documentAgainstItsPermutation_matches() {
    Random random = new Random(SEED);
    for (int i = 0; i < DOCUMENTS; i++) {
      JsonNode document = document(random);
      JsonNode permuted = permute(document, random, false);

      Classification c = classify(document, permuted);

      assertThat(c.verdict())
          .as("document %d: %s%nvs %s", i, document, permuted)
          .isEqualTo(Verdict.MATCH);
      assertThat(c.canonicalLegacy()).isEqualTo(c.canonicalNew());
      assertThat(UnifiedDiff.between(c.canonicalLegacy(), c.canonicalNew())).isEmpty();
    }
  }

  @Test
  void classify_permutationWithOneChangedValue_isExactlyThatDifference() {
    Random random = new Random(SEED + 1);
    int checked = 0;
    for (int i = 0; i < DOCUMENTS; i++) {
      JsonNode document = document(random);
      JsonNode permuted = permute(document, random, false);
      List<Map.Entry<ObjectNode, String>> leaves = new ArrayList<>();
      textLeaves(permuted, leaves);
      if (leaves.isEmpty()) {
        continue;
      }
      Map.Entry<ObjectNode, String> leaf = leaves.get(random.nextInt(leaves.size()));
      String before = leaf.getKey().get(leaf.getValue()).textValue();
      leaf.getKey().put(leaf.getValue(), before + "~changed");

      Classification c = classify(document, permuted);

      assertThat(c.verdict()).as("document %d", i).isEqualTo(Verdict.MISMATCH);
      assertThat(c.diffs())
          .as("document %d", i)
          .singleElement()
          .satisfies(
              diff -> {
                assertThat(diff.legacyValue()).isEqualTo(TextNode.valueOf(before));
                assertThat(diff.newValue()).isEqualTo(TextNode.valueOf(before + "~changed"));
                assertThat(diff.path()).endsWith("/" + leaf.getValue());
                assertThat(diff.foldedPath()).doesNotContainPattern("/[0-9]+(/|$)");
              });
      checked++;
    }
    assertThat(checked).isGreaterThan(DOCUMENTS / 2);
  }

  private static Classification classify(JsonNode legacy, JsonNode newer) {
    return CLASSIFIER.classify(
        "Random",
        Side.LEGACY,
        new Observations(new Observed.Answer(legacy), new Observed.Answer(newer)),
        Recheck.NONE);
  }

  // ---- generation ----

  private static ObjectNode document(Random random) {
    ObjectNode doc = randomObject(random, 2);
    ArrayNode items = doc.putArray("items");
    for (String id : ids(random, "item-")) {
      ObjectNode item = randomObject(random, 1);
      item.put("id", id);
      ArrayNode parts = item.putArray("parts");
      for (String name : ids(random, "part-")) {
        parts.add(randomObject(random, 0).put("name", name));
      }
      items.add(item);
    }
    ArrayNode groups = doc.putArray("groups");
    int groupCount = random.nextInt(3);
    for (int g = 0; g < groupCount; g++) {
      ArrayNode members = groups.addObject().putArray("members");
      for (String id : ids(random, "")) {
        // Integer keys: sorted and matched by their text.
        members.add(randomObject(random, 0).put("id", Integer.parseInt(id)));
      }
    }
    return doc;
  }

  private static List<String> ids(Random random, String prefix) {
    int count = random.nextInt(6);
    List<String> ids = new ArrayList<>();
    int next = random.nextInt(50);
    for (int i = 0; i < count; i++) {
      next += 1 + random.nextInt(30);
      ids.add(prefix + next);
    }
    return ids;
  }

  private static ObjectNode randomObject(Random random, int depth) {
    ObjectNode object = NODES.objectNode();
    int fields = random.nextInt(6);
    for (int i = 0; i < fields; i++) {
      object.set("f" + random.nextInt(12), randomValue(random, depth));
    }
    return object;
  }

  private static JsonNode randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 9 : 7);
    return switch (kind) {
      case 0 -> NODES.textNode("s" + random.nextInt(1000));
      case 1 -> NODES.numberNode(random.nextInt(2000) - 1000);
      case 2 -> NODES.numberNode(random.nextInt(100_000) / 8.0); // exact binary fractions
      case 3 -> NODES.numberNode(random.nextLong());
      case 4 -> NODES.booleanNode(random.nextBoolean());
      case 5 -> NODES.nullNode();
      case 6 -> NODES.textNode("2026-11-21T07:00:" + (10 + random.nextInt(50)) + ".123Z");
      case 7 -> randomObject(random, depth - 1);
      default -> {
        ArrayNode array = NODES.arrayNode();
        int size = random.nextInt(4);
        for (int i = 0; i < size; i++) {
          array.add(randomValue(random, depth - 1));
        }
        yield array;
      }
    };
  }

  // ---- permutation: same meaning, different form ----

  /** A copy with fields shuffled, keyed arrays shuffled and integral numbers as decimals. */
  private static JsonNode permute(JsonNode node, Random random, boolean keyed) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.shuffle(names, random);
      ObjectNode copy = NODES.objectNode();
      for (String name : names) {
        boolean keyedChild = name.equals("items") || name.equals("parts") || name.equals("members");
        copy.set(name, permute(node.get(name), random, keyedChild));
      }
      return copy;
    }
    if (node.isArray()) {
      List<JsonNode> elements = new ArrayList<>();
      node.forEach(element -> elements.add(permute(element, random, false)));
      if (keyed) {
        Collections.shuffle(elements, random);
      }
      ArrayNode copy = NODES.arrayNode();
      elements.forEach(copy::add);
      return copy;
    }
    if (node.isIntegralNumber() && random.nextBoolean()) {
      // A double holds an integer exactly only up to 2^53; beyond, 1.0-style is another number.
      boolean exactAsDouble = Math.abs(node.longValue()) <= (1L << 53);
      return exactAsDouble && random.nextBoolean()
          ? DoubleNode.valueOf(node.longValue())
          : DecimalNode.valueOf(new BigDecimal(node.bigIntegerValue()).setScale(2));
    }
    if (node.isDouble() && random.nextBoolean()) {
      return DecimalNode.valueOf(BigDecimal.valueOf(node.doubleValue()));
    }
    return node;
  }

  private static void textLeaves(JsonNode node, List<Map.Entry<ObjectNode, String>> out) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              field -> {
                if (field.getValue().isTextual() && !KEY_FIELDS.contains(field.getKey())) {
                  out.add(Map.entry((ObjectNode) node, field.getKey()));
                } else {
                  textLeaves(field.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(element -> textLeaves(element, out));
    }
  }
}
