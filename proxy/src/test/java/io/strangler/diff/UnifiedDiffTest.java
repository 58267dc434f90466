package io.strangler.diff;

import static io.strangler.diff.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
  private static final ApiRules LIST_MACHINES = ControlApiRules.RULES.forApi("ListMachines");

  private static JsonNode canonical(String json) {
    return Canonicalizer.canonicalize(json(json), LIST_MACHINES);
  }

  @Test
  void between_changedField_showsHunkWithContextUnderLegacyAndNewHeaders() {
    JsonNode legacy =
        canonical(
            "{'machines': [{'machineId': 'm-2', 'address': '10.0.0.2', 'capacity': 8},"
                + " {'machineId': 'm-1', 'address': '10.0.0.1', 'capacity': 8, 'tags': []}]}");
    JsonNode newer =
        canonical(
            "{'machines': [{'machineId': 'm-1', 'address': '10.0.0.1', 'capacity': 8.0, 'tags':"
                + " []}, {'machineId': 'm-2', 'address': '10.0.0.9', 'capacity': 8}]}");

    assertThat(UnifiedDiff.between(legacy, newer))
        .isEqualTo(
            """
            --- legacy
            +++ new
            @@ -7,7 +7,7 @@
                   "tags": []
                 },
                 {
            -      "address": "10.0.0.2",
            +      "address": "10.0.0.9",
                   "capacity": 8,
                   "machineId": "m-2"
                 }
            """);
  }

  @Test
  void between_equalDocuments_isEmpty() {
    JsonNode doc = canonical("{'machines': [{'machineId': 'm-1'}]}");

    assertThat(UnifiedDiff.between(doc, doc.deepCopy())).isEmpty();
  }

  @Test
  void between_missingLegacy_showsEveryNewLineAdded() {
    assertThat(UnifiedDiff.between(MissingNode.getInstance(), json("{'code': 'NOT_FOUND'}")))
        .isEqualTo(
            """
            --- legacy
            +++ new
            @@ -0,0 +1,3 @@
            +{
            +  "code": "NOT_FOUND"
            +}
            """);
  }

  @Test
  void between_zeroContext_showsOnlyTheChangedLines() {
    assertThat(
            UnifiedDiff.between(
                json("{'a': 1, 'b': 2, 'c': 3}"), json("{'a': 1, 'b': 5, 'c': 3}"), 0))
        .isEqualTo(
            """
            --- legacy
            +++ new
            @@ -3,1 +3,1 @@
            -  "b": 2,
            +  "b": 5,
            """);
  }

  @Test
  void between_negativeContext_isRejected() {
    assertThatThrownBy(() -> UnifiedDiff.between(json("1"), json("2"), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("context must not be negative: -1");
  }

  @Test
  void classification_unifiedDiff_isTheDiffOfItsCanonicalDocuments() {
    Classification c =
        new Classifier(ControlApiRules.RULES)
            .classify(
                "GetRepl",
                Side.LEGACY,
                new Observations(
                    new Observed.Answer(json("{'replId': 'r-1', 'cluster': 'us-1'}")),
                    new Observed.Answer(json("{'cluster': 'us-2', 'replId': 'r-1'}"))),
                Recheck.NONE);

    assertThat(c.unifiedDiff())
        .isEqualTo(
            """
            --- legacy
            +++ new
            @@ -1,4 +1,4 @@
             {
            -  "cluster": "us-1",
            +  "cluster": "us-2",
               "replId": "r-1"
             }
            """);
  }
}
