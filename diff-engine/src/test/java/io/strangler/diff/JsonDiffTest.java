package io.strangler.diff;

import static io.strangler.diff.TestJson.apiRules;
import static io.strangler.diff.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonDiffTest {
  private static final ApiRules NO_RULES = apiRules("{}");

  private static List<FieldDiff> diff(String legacy, String newer, ApiRules rules) {
    JsonNode a = Canonicalizer.canonicalize(json(legacy), rules);
    JsonNode b = Canonicalizer.canonicalize(json(newer), rules);
    return JsonDiff.diff(a, b, rules);
  }

  @Test
  void diff_sameAnswerInAnotherFieldOrder_isEmpty() {
    assertThat(
            diff(
                "{'replId': 'r-1', 'cluster': 'us-1', 'pendingTransferTo': null}",
                "{'pendingTransferTo': null, 'cluster': 'us-1', 'replId': 'r-1'}",
                NO_RULES))
        .isEmpty();
  }

  @Test
  void diff_changedField_reportsPathAndBothValues() {
    List<FieldDiff> diffs =
        diff(
            "{'repl': {'cluster': 'us-1', 'slug': 's'}}",
            "{'repl': {'cluster': 'eu-1', 'slug': 's'}}",
            NO_RULES);

    assertThat(diffs)
        .containsExactly(
            new FieldDiff("/repl/cluster", "/repl/cluster", json("'us-1'"), json("'eu-1'")));
  }

  @Test
  void diff_fieldOnOneSideOnly_marksTheOtherSideMissing() {
    List<FieldDiff> diffs = diff("{'a': 1, 'b': null}", "{'c': 2, 'b': null}", NO_RULES);

    assertThat(diffs)
        .extracting(FieldDiff::path, FieldDiff::missingInLegacy, FieldDiff::missingInNew)
        .containsExactly(tuple("/a", false, true), tuple("/c", true, false));
    assertThat(diffs.get(0).newValue()).isSameAs(MissingNode.getInstance());
  }

  @Test
  void diff_nullVersusAbsent_isADifference() {
    List<FieldDiff> diffs = diff("{'stoppedAt': null}", "{}", NO_RULES);

    assertThat(diffs).hasSize(1);
    assertThat(diffs.get(0).legacyValue()).isEqualTo(NullNode.getInstance());
    assertThat(diffs.get(0).missingInNew()).isTrue();
    assertThat(diffs.get(0)).hasToString("/stoppedAt: legacy null, new (absent)");
  }

  @Test
  void diff_unkeyedArray_foldsIndicesInFoldedPath() {
    List<FieldDiff> diffs =
        diff(
            "{'containers': [{'machineId': 'm-1'}, {'machineId': 'm-2'}, {'machineId': 'm-3'}]}",
            "{'containers': [{'machineId': 'm-1'}, {'machineId': 'm-9'}]}",
            NO_RULES);

    assertThat(diffs)
        .extracting(FieldDiff::path, FieldDiff::foldedPath)
        .containsExactly(
            tuple("/containers/1/machineId", "/containers/*/machineId"),
            tuple("/containers/2", "/containers/*"));
    assertThat(diffs.get(1).missingInNew()).isTrue();
    assertThat(diffs.get(1).legacyValue()).isEqualTo(json("{'machineId': 'm-3'}"));
  }

  @Test
  void diff_keyedArray_namesElementsByKeyAndFoldsThem() {
    ApiRules rules = apiRules("keyedArrays: {/machines: machineId}");

    List<FieldDiff> diffs =
        diff(
            "{'machines': [{'machineId': 'm-7', 'address': '10.0.0.7'}, {'machineId': 'm-8',"
                + " 'address': 'a'}]}",
            "{'machines': [{'machineId': 'm-9', 'address': 'b'}, {'machineId': 'm-7', 'address':"
                + " '10.0.0.70'}]}",
            rules);

    assertThat(diffs)
        .extracting(FieldDiff::path, FieldDiff::foldedPath)
        .containsExactly(
            tuple("/machines/m-7/address", "/machines/*/address"),
            tuple("/machines/m-8", "/machines/*"),
            tuple("/machines/m-9", "/machines/*"));
    assertThat(diffs.get(1).missingInNew()).isTrue();
    assertThat(diffs.get(2).missingInLegacy()).isTrue();
  }

  @Test
  void diff_keyWithSlash_isEscapedInThePath() {
    ApiRules rules = apiRules("keyedArrays: {/xs: id}");

    List<FieldDiff> diffs =
        diff("{'xs': [{'id': 'a/b~c', 'v': 1}]}", "{'xs': [{'id': 'a/b~c', 'v': 2}]}", rules);

    assertThat(diffs).extracting(FieldDiff::path).containsExactly("/xs/a~1b~0c/v");
    assertThat(diffs).extracting(FieldDiff::foldedPath).containsExactly("/xs/*/v");
  }

  @Test
  void diff_numbers_oneAndOnePointZeroAgree() {
    assertThat(diff("{'capacity': 1, 'cpu': 50}", "{'capacity': 1.0, 'cpu': 5.0e1}", NO_RULES))
        .isEmpty();
  }

  @Test
  void diff_numbers_exactWithoutTolerance() {
    assertThat(diff("{'cpu': 0.1}", "{'cpu': 0.1000000001}", NO_RULES))
        .extracting(FieldDiff::path)
        .containsExactly("/cpu");
  }

  @Test
  void diff_apiTolerance_appliesToEveryNumber_inclusiveBound() {
    ApiRules rules = apiRules("tolerance: {default: 0.1}");

    assertThat(diff("{'a': 1.0, 'b': [2]}", "{'a': 1.1, 'b': [1.9]}", rules)).isEmpty();
    assertThat(diff("{'a': 1.0}", "{'a': 1.1000001}", rules))
        .extracting(FieldDiff::path)
        .containsExactly("/a");
  }

  @Test
  void diff_pathTolerance_appliesOnlyToItsPath() {
    ApiRules rules =
        apiRules(
            """
            keyedArrays: {/machines: machineId}
            tolerance: {paths: {/machines/*/cpuPercent: 0.5}}
            """);

    List<FieldDiff> diffs =
        diff(
            "{'machines': [{'machineId': 'm-1', 'cpuPercent': 10.0, 'capacity': 4}]}",
            "{'machines': [{'machineId': 'm-1', 'cpuPercent': 10.4, 'capacity': 4.4}]}",
            rules);

    assertThat(diffs).extracting(FieldDiff::path).containsExactly("/machines/m-1/capacity");
  }

  @Test
  void diff_pathToleranceOverridesApiDefault() {
    ApiRules rules = apiRules("tolerance: {default: 1.0, paths: {/exact: 0}}");

    assertThat(diff("{'exact': 5, 'loose': 5}", "{'exact': 5.5, 'loose': 5.5}", rules))
        .extracting(FieldDiff::path)
        .containsExactly("/exact");
  }

  @Test
  void diff_toleranceDoesNotApplyToNumbersAsStrings() {
    ApiRules rules = apiRules("tolerance: {default: 1.0}");

    assertThat(diff("{'a': '1'}", "{'a': 1}", rules))
        .extracting(FieldDiff::path)
        .containsExactly("/a");
  }

  @Test
  void diff_typeChange_isOneDifferenceAtThatPath() {
    List<FieldDiff> diffs = diff("{'tombstone': {'to': 'eu-1'}}", "{'tombstone': null}", NO_RULES);

    assertThat(diffs)
        .containsExactly(
            new FieldDiff(
                "/tombstone", "/tombstone", json("{'to': 'eu-1'}"), NullNode.getInstance()));
  }

  @Test
  void diff_differentRoots_reportTheEmptyPath() {
    List<FieldDiff> diffs = JsonDiff.diff(json("[1]"), json("{'a': 1}"), NO_RULES);

    assertThat(diffs)
        .extracting(FieldDiff::path, FieldDiff::foldedPath)
        .containsExactly(tuple("", ""));
    assertThat(diffs.get(0)).hasToString("(document): legacy [1], new {\"a\":1}");
  }

  @Test
  void diff_missingDocument_isOneDifference() {
    List<FieldDiff> diffs =
        JsonDiff.diff(MissingNode.getInstance(), json("{'code': 'NOT_FOUND'}"), NO_RULES);

    assertThat(diffs).singleElement().satisfies(d -> assertThat(d.missingInLegacy()).isTrue());
  }

  @Test
  void diff_manyDifferences_comeInPathOrder() {
    List<FieldDiff> diffs =
        diff("{'b': 1, 'a': 1, 'c': [1, 2]}", "{'c': [2, 1], 'a': 2, 'b': 2}", NO_RULES);

    assertThat(diffs).extracting(FieldDiff::path).containsExactly("/a", "/b", "/c/0", "/c/1");
  }
}
