package io.strangler.diff.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import java.time.Duration;
import java.time.Instant;

/** Calls for tests: JSON with single quotes, SHADOW mode (legacy authoritative) unless told. */
final class TestCalls {
  static final Instant T0 = Instant.parse("2026-11-21T07:00:00Z");

  /** Twelve API names, as a proxy of twelve operations would configure them. */
  static final java.util.List<String> TWELVE_APIS =
      java.util.List.of(
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

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private TestCalls() {}

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad test JSON: " + text, e);
    }
  }

  static Observed answer(String json) {
    return new Observed.Answer(json(json));
  }

  static Observed failure(String code) {
    return new Observed.Failure(code, code + " happened");
  }

  /** A SHADOW call of {@code api} whose backends answered {@code legacy} and {@code newer}. */
  static ComparedCall.Builder call(
      String api, CallKind kind, String requestId, Observed legacy, Observed newer) {
    return ComparedCall.builder()
        .api(api)
        .kind(kind)
        .mode("SHADOW")
        .authoritative(Side.LEGACY)
        .request(json("{'replId': 'r-1'}"))
        .requestId(requestId)
        .at(T0)
        .legacy(
            legacy,
            legacy instanceof Observed.Answer || legacy instanceof Observed.Failure
                ? Duration.ofMillis(2)
                : null)
        .newer(
            newer,
            newer instanceof Observed.Answer || newer instanceof Observed.Failure
                ? Duration.ofMillis(3)
                : null);
  }

  static ComparedCall read(String api, String requestId, String legacyJson, String newJson) {
    return call(api, CallKind.READ, requestId, answer(legacyJson), answer(newJson)).build();
  }

  static ComparedCall write(String api, String requestId, String legacyJson, String newJson) {
    return call(api, CallKind.WRITE, requestId, answer(legacyJson), answer(newJson)).build();
  }

  static ComparedCall match(String api, String requestId) {
    return read(api, requestId, "{'cluster': 'us-1'}", "{'cluster': 'us-1'}");
  }

  static ComparedCall mismatch(String api, String requestId) {
    return read(api, requestId, "{'cluster': 'us-1'}", "{'cluster': 'us-2'}");
  }
}
