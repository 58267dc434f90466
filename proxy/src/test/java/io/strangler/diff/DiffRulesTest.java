package io.strangler.diff;

import static io.strangler.diff.TestJson.canonicalJson;
import static io.strangler.diff.TestJson.json;
import static io.strangler.diff.TestJson.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffRulesTest {
  /** The control API v1's operations, as docs/control-api.md lists them. */
  static final List<String> OPERATIONS =
      List.of(
          "CreateRepl",
          "GetRepl",
          "RegisterMachine",
          "Heartbeat",
          "DrainMachine",
          "ListMachines",
          "ConnectRepl",
          "StopContainer",
          "ListContainers",
          "GetHostingMetadata",
          "ResolveCluster",
          "TransferRepl");

  @Test
  void defaults_nameExactlyTheTwelveOperations() {
    DiffRules rules = ControlApiRules.RULES.requireKnownApis(OPERATIONS);

    assertThat(rules.apis()).containsExactlyInAnyOrderElementsOf(OPERATIONS);
    assertThat(rules.forApi("GetRepl").compareErrorMessages()).isFalse();
    assertThat(rules.forApi("GetRepl").defaultTolerance()).isEqualByComparingTo("0");
  }

  @Test
  void defaults_listMachinesComparesMachinesAsASetByMachineId() {
    ApiRules rules = ControlApiRules.RULES.forApi("ListMachines");
    var legacy =
        json("{'machines': [{'machineId': 'm-1', 'cpuPercent': 10}, {'machineId': 'm-2'}]}");
    var newer =
        json("{'machines': [{'machineId': 'm-2'}, {'machineId': 'm-1', 'cpuPercent': 10.0}]}");

    assertThat(
            JsonDiff.diff(
                Canonicalizer.canonicalize(legacy, rules),
                Canonicalizer.canonicalize(newer, rules),
                rules))
        .isEmpty();
    assertThat(rules.toString()).contains("keyedArrays \"/machines\": machineId");
  }

  @Test
  void defaults_listContainersKeysContainersByContainerId() {
    ApiRules rules = ControlApiRules.RULES.forApi("ListContainers");
    var legacy = json("{'containers': [{'containerId': 'c-1', 'machineId': 'm-1'}]}");
    var newer = json("{'containers': [{'containerId': 'c-1', 'machineId': 'm-2'}]}");

    assertThat(
            JsonDiff.diff(
                Canonicalizer.canonicalize(legacy, rules),
                Canonicalizer.canonicalize(newer, rules),
                rules))
        .extracting(FieldDiff::path, FieldDiff::foldedPath)
        .containsExactly(tuple("/containers/c-1/machineId", "/containers/*/machineId"));
  }

  @Test
  void forApi_unlistedApi_getsTheDefaultsSection() {
    DiffRules rules =
        yaml(
            """
            version: 1
            defaults:
              ignore: [/traceId]
              tolerance: {default: 0.5}
              errors: {compareMessage: true}
            apis:
              Listed:
                errors: {compareMessage: false}
            """);

    ApiRules unlisted = rules.forApi("Unlisted");
    assertThat(unlisted.api()).isEqualTo("defaults");
    assertThat(unlisted.compareErrorMessages()).isTrue();
    assertThat(unlisted.defaultTolerance()).isEqualByComparingTo("0.5");
    assertThat(Canonicalizer.canonicalize(json("{'traceId': 1, 'a': 2}"), unlisted))
        .isEqualTo(canonicalJson("{'a': 2}"));

    ApiRules listed = rules.forApi("Listed");
    assertThat(listed.api()).isEqualTo("Listed");
    assertThat(listed.compareErrorMessages()).isFalse();
    assertThat(listed.defaultTolerance()).isEqualByComparingTo("0.5");
    assertThat(Canonicalizer.canonicalize(json("{'traceId': 1, 'a': 2}"), listed))
        .isEqualTo(canonicalJson("{'a': 2}"));
  }

  @Test
  void parse_apiOptionsOverrideDefaultsPerPath() {
    DiffRules rules =
        yaml(
            """
            version: 1
            defaults:
              keyedArrays: {/items: id}
              tolerance: {paths: {/n: 1.0}}
            apis:
              Api:
                keyedArrays: {/items: name}
                tolerance: {paths: {/n: 0.25}}
            """);

    ApiRules api = rules.forApi("Api");
    assertThat(api.toString())
        .contains("keyedArrays \"/items\": name", "tolerance.paths \"/n\": 0.25")
        .doesNotContain(": id");
  }

  @Test
  void load_readsJsonAndYamlFilesByExtension(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("rules.json");
    Files.writeString(
        json, "{\"version\": 1, \"apis\": {\"Api\": {\"keyedArrays\": {\"/xs\": \"id\"}}}}");
    Path yml = dir.resolve("rules.yml");
    Files.writeString(yml, "version: 1\napis:\n  Api:\n    keyedArrays: {/xs: id}\n");

    for (Path file : List.of(json, yml)) {
      ApiRules api = DiffRules.load(file).forApi("Api");
      assertThat(Canonicalizer.canonicalize(json("{'xs': [{'id': 'b'}, {'id': 'a'}]}"), api))
          .as(file.toString())
          .isEqualTo(canonicalJson("{'xs': [{'id': 'a'}, {'id': 'b'}]}"));
    }
  }

  @Test
  void load_unknownExtension_saysHowToName(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("rules.txt");
    Files.writeString(file, "version: 1");

    assertThatThrownBy(() -> DiffRules.load(file))
        .isInstanceOf(DiffRulesException.class)
        .hasMessageContaining("rules.txt")
        .hasMessageContaining("*.yaml, *.yml or *.json");
  }

  @Test
  void requireKnownApis_misspeltApi_namesIt() {
    DiffRules rules = yaml("version: 1\napis:\n  ListMachine: {}\n  GetRepl: {}\n");

    assertThatThrownBy(() -> rules.requireKnownApis(OPERATIONS))
        .isInstanceOf(DiffRulesException.class)
        .hasMessageContaining("test.yaml")
        .hasMessageContaining("unknown API(s) [ListMachine]");
  }

  @Test
  void parse_toleranceKeepsItsExactDecimalValue() {
    ApiRules api = TestJson.apiRules("tolerance: {default: 0.1}");

    assertThat(api.defaultTolerance()).isEqualByComparingTo(new BigDecimal("0.1"));
  }

  // ---- bad rules files: each names the file, the API and the pattern at fault ----

  private static void assertRejected(String yaml, String... messageParts) {
    assertThatThrownBy(() -> yaml(yaml))
        .isInstanceOf(DiffRulesException.class)
        .hasMessageStartingWith("Invalid diff rules in test.yaml: ")
        .hasMessageContainingAll(messageParts);
  }

  @Test
  void parse_pointerWithoutLeadingSlash_isRejected() {
    assertRejected(
        "version: 1\napis:\n  ListMachines:\n    ignore: [machines/*/address]\n",
        "API 'ListMachines'",
        "ignore \"machines/*/address\"",
        "bad JSON Pointer: a JSON Pointer starts with '/'");
  }

  @Test
  void parse_pointerWithBadEscape_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    keyedArrays: {/a~2b: id}\n",
        "API 'Api'",
        "keyedArrays \"/a~2b\"",
        "'~' must be followed by 0 or 1");
  }

  @Test
  void parse_partialWildcard_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    tolerance: {paths: {/machines/m*/cpu: 0.1}}\n",
        "API 'Api'",
        "tolerance.paths \"/machines/m*/cpu\"",
        "'*' must be a whole segment");
  }

  @Test
  void parse_emptySegment_isRejected() {
    assertRejected(
        "version: 1\ndefaults:\n  ignore: [/machines/]\n",
        "defaults: ignore \"/machines/\"",
        "empty segment");
  }

  @Test
  void parse_ignoringTheWholeDocument_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    ignore: ['']\n",
        "API 'Api'",
        "cannot ignore the whole document");
  }

  @Test
  void parse_unknownOption_namesApiAndKnownOptions() {
    assertRejected(
        "version: 1\napis:\n  ListMachines:\n    keyedArray: {/machines: machineId}\n",
        "API 'ListMachines'",
        "unknown option 'keyedArray'",
        "[ignore, keyedArrays, tolerance, errors]");
  }

  @Test
  void parse_unknownNestedOption_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    errors: {compareMessages: true}\n",
        "API 'Api'",
        "unknown option 'errors.compareMessages'");
    assertRejected(
        "version: 1\napis:\n  Api:\n    tolerance: {absolute: 1.0}\n",
        "API 'Api'",
        "unknown option 'tolerance.absolute'");
  }

  @Test
  void parse_unknownTopLevelKey_isRejected() {
    assertRejected("version: 1\napi: {}\n", "unknown top-level key 'api'");
  }

  @Test
  void parse_missingOrWrongVersion_isRejected() {
    assertRejected("apis: {}\n", "\"version\" must be 1 (found null)");
    assertRejected("version: 2\n", "\"version\" must be 1 (found 2)");
  }

  @Test
  void parse_emptyFile_isRejected() {
    assertRejected("", "the file is empty");
  }

  @Test
  void parse_negativeTolerance_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    tolerance: {default: -0.5}\n",
        "API 'Api'",
        "tolerance.default: a tolerance must not be negative");
  }

  @Test
  void parse_toleranceAsText_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    tolerance: {paths: {/n: '0.5'}}\n",
        "API 'Api'",
        "tolerance.paths \"/n\": a tolerance must be a number, found \"0.5\"");
  }

  @Test
  void parse_toleranceInScientificNotation_isANumber() {
    ApiRules api = TestJson.apiRules("tolerance: {default: 1e-6}");

    assertThat(api.defaultTolerance()).isEqualByComparingTo("0.000001");
  }

  @Test
  void parse_nonBooleanCompareMessage_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    errors: {compareMessage: 'yes please'}\n",
        "\"errors.compareMessage\" must be true or false");
  }

  @Test
  void parse_emptyKeyField_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api:\n    keyedArrays: {/xs: ''}\n",
        "keyedArrays \"/xs\": the key field must be a non-empty field name");
  }

  @Test
  void parse_ignoringTheKeyField_isRejected() {
    assertRejected(
        """
        version: 1
        apis:
          ListMachines:
            keyedArrays: {/machines: machineId}
            ignore: [/machines/*/machineId]
        """,
        "API 'ListMachines'",
        "keyedArrays \"/machines\" keys an array by 'machineId'",
        "ignore \"/machines/*/machineId\" removes that field");
  }

  @Test
  void parse_overlappingPatternsWithDifferentKeys_areRejected() {
    assertRejected(
        """
        version: 1
        apis:
          Api:
            keyedArrays:
              /groups/*/members: id
              /groups/0/members: name
        """,
        "API 'Api'",
        "keyedArrays \"/groups/*/members\" and keyedArrays \"/groups/0/members\"",
        "key the same array by different fields");
  }

  @Test
  void parse_overlappingPatternsWithDifferentTolerances_areRejected() {
    assertRejected(
        """
        version: 1
        apis:
          Api:
            tolerance:
              paths:
                /machines/*/cpuPercent: 0.5
                /*/*/cpuPercent: 0.25
        """,
        "tolerance.paths \"/machines/*/cpuPercent\" and tolerance.paths \"/*/*/cpuPercent\"",
        "give the same number different tolerances");
  }

  @Test
  void parse_overlappingPatternsWithTheSameValue_areAccepted() {
    ApiRules api =
        TestJson.apiRules(
            """
            tolerance:
              paths:
                /machines/*/cpuPercent: 0.5
                /*/*/cpuPercent: 0.5
            """);

    assertThat(api.toString()).contains("/*/*/cpuPercent");
  }

  @Test
  void parse_duplicateKey_isRejected() {
    assertRejected(
        "version: 1\napis:\n  Api: {}\n  Api: {}\n", "not valid YAML", "Duplicate field 'Api'");
  }

  @Test
  void parse_invalidJson_isRejectedWithTheParserMessage() {
    assertThatThrownBy(
            () -> DiffRules.parse("rules.json", DiffRules.Format.JSON, "{\"version\": 1,"))
        .isInstanceOf(DiffRulesException.class)
        .hasMessageStartingWith("Invalid diff rules in rules.json: not valid JSON: ")
        .hasCauseInstanceOf(JsonProcessingException.class);
  }

  @Test
  void apis_areACopy() {
    DiffRules rules = yaml("version: 1\napis:\n  A: {}\n");
    Set<String> apis = rules.apis();
    apis.add("B");

    assertThat(rules.apis()).containsExactly("A");
  }
}
