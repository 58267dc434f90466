package io.strangler.traffic.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.ControlApiJson;
import io.strangler.api.model.Repl;
import io.strangler.traffic.replay.Answer;
import io.strangler.traffic.replay.CallResult;
import io.strangler.traffic.replay.ReadyCall;
import io.strangler.traffic.replay.Replayer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator routes each call by the repl it is about, where it knows it. */
class WorldRoutingTest {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  @Test
  void aHostingRead_isRoutedByTheRepl_whileOrderedByItsSlug() {
    SimulationConfig config =
        new SimulationConfig(
            100,
            Duration.ofSeconds(60),
            3,
            10,
            1,
            1,
            50,
            Duration.ofSeconds(10),
            Duration.ofSeconds(5),
            0.9,
            0.95);
    World world =
        new World(config, Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC));
    Map<String, String> replOfSlug = new HashMap<>();
    int hostingReads = 0;
    int replCalls = 0;
    for (int n = 0; n < 400; n++) {
      ReadyCall c = world.next();
      String op = c.call().operation();
      switch (op) {
        case "CreateRepl" -> {
          Repl r =
              new Repl(
                  c.call().request().path("replId").asText(),
                  c.call().request().path("ownerId").asText(),
                  c.call().request().path("slug").asText(),
                  "us",
                  "us-1",
                  null,
                  c.call().time());
          replOfSlug.put(r.slug(), r.replId());
          world.done(sent(c, new Answer.Ok(JSON.valueToTree(r))));
          continue;
        }
        case "GetHostingMetadata" -> {
          String slug = c.call().request().path("slug").asText();
          assertThat(c.laneKey()).isEqualTo("slug:" + slug);
          assertThat(c.routingKey()).isEqualTo("repl:" + replOfSlug.get(slug));
          hostingReads++;
        }
        case "ConnectRepl", "GetRepl", "ResolveCluster", "ListContainers" -> {
          assertThat(c.routingKey())
              .isEqualTo("repl:" + c.call().request().path("replId").asText())
              .isEqualTo(c.laneKey());
          replCalls++;
        }
        default -> assertThat(c.routingKey()).as(op).isEqualTo(c.laneKey());
      }
      world.done(sent(c, new Answer.Failed(503, "UNAVAILABLE", "not answered in this test")));
    }
    assertThat(hostingReads).isGreaterThan(20);
    assertThat(replCalls).isGreaterThan(20);
  }

  private static Replayer.Sent sent(ReadyCall c, Answer answer) {
    return new Replayer.Sent(c, 0, 0, new CallResult(answer, Duration.ofMillis(1), null));
  }
}
