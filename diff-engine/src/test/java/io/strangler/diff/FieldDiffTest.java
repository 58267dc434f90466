package io.strangler.diff;

import static io.strangler.diff.TestJson.MAPPER;
import static io.strangler.diff.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import org.junit.jupiter.api.Test;

class FieldDiffTest {
  @Test
  void json_absentSideIsLeftOut_nullIsKept() throws JsonProcessingException {
    FieldDiff onlyLegacy =
        new FieldDiff(
            "/machines/m-7",
            "/machines/*",
            json("{'machineId': 'm-7'}"),
            MissingNode.getInstance());
    FieldDiff nulled =
        new FieldDiff("/stoppedAt", "/stoppedAt", NullNode.getInstance(), json("'x'"));

    assertThat(MAPPER.writeValueAsString(onlyLegacy))
        .isEqualTo(
            "{\"path\":\"/machines/m-7\",\"foldedPath\":\"/machines/*\",\"legacy\":{\"machineId\":\"m-7\"}}");
    assertThat(MAPPER.writeValueAsString(nulled))
        .isEqualTo(
            "{\"path\":\"/stoppedAt\",\"foldedPath\":\"/stoppedAt\",\"legacy\":null,\"new\":\"x\"}");
  }

  @Test
  void json_roundTripKeepsAbsentAndNullApart() throws JsonProcessingException {
    FieldDiff original =
        new FieldDiff("/a", "/a", NullNode.getInstance(), MissingNode.getInstance());

    FieldDiff read = MAPPER.readValue(MAPPER.writeValueAsString(original), FieldDiff.class);

    assertThat(read).isEqualTo(original);
    assertThat(read.legacyValue().isNull()).isTrue();
    assertThat(read.missingInNew()).isTrue();
  }

  @Test
  void javaNullSide_meansAbsent() {
    FieldDiff diff = new FieldDiff("/a", "/a", null, json("1"));

    assertThat(diff.missingInLegacy()).isTrue();
    assertThat(diff).hasToString("/a: legacy (absent), new 1");
  }
}
