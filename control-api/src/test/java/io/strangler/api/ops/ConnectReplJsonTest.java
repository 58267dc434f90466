package io.strangler.api.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.ControlApiJson;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The placement extension of ConnectRepl on the wire: in the request, and never in the answer. */
class ConnectReplJsonTest {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  private final Container container =
      new Container(
          "ctr-1",
          "r-1",
          "m-1",
          "us-1",
          ContainerState.RUNNING,
          Instant.parse("2026-11-21T07:00:00.123Z"),
          null);

  @Test
  void request_withPlacement_parses() throws Exception {
    ConnectReplRequest r =
        JSON.readValue(
            "{\"replId\":\"r-1\",\"placement\":{\"machineId\":\"m-1\",\"containerId\":\"ctr-1\"}}",
            ConnectReplRequest.class);

    assertThat(r).isEqualTo(new ConnectReplRequest("r-1", new ContainerPlacement("m-1", "ctr-1")));
  }

  @Test
  void request_withoutPlacement_parsesAsTheClientsForm() throws Exception {
    assertThat(JSON.readValue("{\"replId\":\"r-1\"}", ConnectReplRequest.class))
        .isEqualTo(new ConnectReplRequest("r-1"));
  }

  @Test
  void response_placementUse_isNotInTheAnswer() throws Exception {
    ConnectReplResponse r =
        new ConnectReplResponse(container, true, false, new PlacementUse(true, "m-2"));

    JsonNode json = JSON.valueToTree(r);

    List<String> fields = new ArrayList<>();
    json.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactly("container", "created", "transferred");
    assertThat(JSON.treeToValue(json, ConnectReplResponse.class))
        .isEqualTo(new ConnectReplResponse(container, true, false));
  }

  @Test
  void placementUse_wouldHaveDiffered_whenItsOwnChoiceIsAnotherOrNone() {
    assertThat(new PlacementUse(true, "m-1").wouldHaveDiffered("m-1")).isFalse();
    assertThat(new PlacementUse(true, "m-2").wouldHaveDiffered("m-1")).isTrue();
    assertThat(new PlacementUse(true, null).wouldHaveDiffered("m-1")).isTrue();
  }
}
