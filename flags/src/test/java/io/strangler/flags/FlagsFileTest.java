package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagsFileTest {

  private static FlagsFile parse(String json) {
    return FlagsFile.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parse_documentedExample_readsEveryField() {
    FlagsFile f =
        parse(
            """
            {
              "defaultMode": "SHADOW",
              "killLegacy": false,
              "killNew": true,
              "apis": {
                "GetRepl":    { "mode": "NEW_PRIMARY", "rolloutPercent": 30 },
                "CreateRepl": { "mode": "SHADOW" }
              }
            }
            """);
    assertThat(f.defaultMode()).isEqualTo(Mode.SHADOW);
    assertThat(f.killLegacy()).isFalse();
    assertThat(f.killNew()).isTrue();
    assertThat(f.apis())
        .isEqualTo(
            Map.of(
                "CreateRepl", new ApiSetting(Mode.SHADOW, 100),
                "GetRepl", new ApiSetting(Mode.NEW_PRIMARY, 30)));
  }

  @Test
  void parse_emptyObject_isTheEmptyFile() {
    assertThat(parse("{}")).isEqualTo(FlagsFile.EMPTY);
  }

  @Test
  void parse_unknownMode_namesThePathAndTheValidModes() {
    assertThatThrownBy(() -> parse("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADDOW\"}}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "apis.GetRepl.mode: unknown mode 'SHADDOW' (expected one of LEGACY_ONLY, SHADOW,"
                + " NEW_PRIMARY, NEW_ONLY)");
  }

  @Test
  void parse_rolloutOutOfRange_isAnError() {
    assertThatThrownBy(
            () ->
                parse("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\", \"rolloutPercent\": 101}}}"))
        .hasMessage("apis.GetRepl.rolloutPercent: expected a whole number within 0..100, got 101");
    assertThatThrownBy(
            () ->
                parse("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\", \"rolloutPercent\": 2.5}}}"))
        .hasMessageContaining("expected a whole number within 0..100");
  }

  @Test
  void parse_unknownField_isAnErrorListingTheKnownOnes() {
    assertThatThrownBy(() -> parse("{\"kilLegacy\": true}"))
        .hasMessage("kilLegacy: unknown field (expected apis, defaultMode, killLegacy, killNew)");
    assertThatThrownBy(
            () -> parse("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\", \"rollout\": 5}}}"))
        .hasMessage("apis.GetRepl.rollout: unknown field (expected mode, rolloutPercent)");
  }

  @Test
  void parse_missingModeOrBadShapes_areErrors() {
    assertThatThrownBy(() -> parse("{\"apis\": {\"GetRepl\": {\"rolloutPercent\": 5}}}"))
        .hasMessage("apis.GetRepl.mode: missing");
    assertThatThrownBy(() -> parse("{\"apis\": []}"))
        .hasMessageStartingWith("apis: expected an object");
    assertThatThrownBy(() -> parse("{\"killNew\": \"yes\"}"))
        .hasMessage("killNew: expected true or false, got \"yes\"");
    assertThatThrownBy(() -> parse("{\"apis\": {\"Get Repl\": {\"mode\": \"SHADOW\"}}}"))
        .hasMessageStartingWith("apis: not an operation name: 'Get Repl'");
    assertThatThrownBy(() -> parse("[]"))
        .hasMessageStartingWith("expected a JSON object at the top");
    assertThatThrownBy(() -> parse("")).hasMessageStartingWith("the file is empty");
  }

  @Test
  void parse_brokenJson_saysWhere() {
    assertThatThrownBy(() -> parse("{\n  \"apis\": {\n    \"GetRepl\": {\"mode\": \"SHADOW\",}\n}"))
        .hasMessageStartingWith("not valid JSON: ")
        .hasMessageContaining("(line 3, column");
  }

  @Test
  void toJson_parse_roundTrips() {
    FlagsFile f =
        FlagsFile.allIn(Mode.SHADOW, List.of("GetRepl", "CreateRepl"))
            .with("GetRepl", new ApiSetting(Mode.NEW_PRIMARY, 5))
            .withKillSwitches(true, false);
    assertThat(FlagsFile.parse(f.toJson())).isEqualTo(f);
  }
}
