package io.strangler.api.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.Operation;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The contract's input rules: each case below was once accepted and written to both stores. */
class RequestsTest {
  private static final String MACHINE =
      "\"machineId\": \"m-1\", \"cluster\": \"c-1\", \"address\": \"10.0.0.1\", ";
  private static final String TRANSFER = "\"replId\": \"r-1\", \"targetCluster\": \"c-2\", ";

  private static JsonNode json(String s) {
    try {
      return ControlApiJson.mapper().readTree(s);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static <Q extends Request> Q read(Operation<Q> op, String body) {
    return op.parse(json(body));
  }

  private static void assertRefused(Operation<?> op, String body, String message) {
    assertThatThrownBy(() -> read(op, body))
        .isInstanceOfSatisfying(
            ControlPlaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"50\"  | field 'cpuPercent' must be a number, got \"50\"",
        "true    | field 'cpuPercent' must be a number, got true",
        "[50]    | field 'cpuPercent' must be a number, got an array",
        "1e400   | field 'cpuPercent' must be between 0 and 100, got Infinity",
        "-0.5    | field 'cpuPercent' must be between 0 and 100, got -0.5",
      })
  void heartbeat_cpuPercentMustBeANumberInRange(String value, String message) {
    assertRefused(
        Operation.HEARTBEAT, "{\"machineId\": \"m-1\", \"cpuPercent\": " + value + "}", message);
  }

  @Test
  void heartbeat_anIntegerIsANumber() {
    assertThat(
            read(Operation.HEARTBEAT, "{\"machineId\": \"m-1\", \"cpuPercent\": 50}").cpuPercent())
        .isEqualTo(50.0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "5.7         | field 'capacity' must be an integer, got 5.7",
        "5.0         | field 'capacity' must be an integer, got 5.0",
        "1e3         | field 'capacity' must be an integer, got 1000.0",
        "\"250\"     | field 'capacity' must be an integer, got \"250\"",
        "\"\"        | field 'capacity' must be an integer, got \"\"",
        "{}          | field 'capacity' must be an integer, got an object",
        "99999999999 | field 'capacity' is out of range, got 99999999999",
        "0           | field 'capacity' must be between 1 and 100000, got 0",
        "100001      | field 'capacity' must be between 1 and 100000, got 100001",
        "null        | missing required field 'capacity'",
      })
  void registerMachine_capacityMustBeAnIntegerInRange(String value, String message) {
    assertRefused(
        Operation.REGISTER_MACHINE, "{" + MACHINE + "\"capacity\": " + value + "}", message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "42421 | field 'replId' must be a string, got 42421",
        "4.5   | field 'replId' must be a string, got 4.5",
        "true  | field 'replId' must be a string, got true",
        "[\"r-1\"] | field 'replId' must be a string, got an array",
      })
  void connectRepl_replIdMustBeAString(String value, String message) {
    assertRefused(Operation.CONNECT_REPL, "{\"replId\": " + value + "}", message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"true\" | field 'lazy' must be true or false, got \"true\"",
        "1        | field 'lazy' must be true or false, got 1",
        "0        | field 'lazy' must be true or false, got 0",
      })
  void transferRepl_lazyMustBeABoolean(String value, String message) {
    assertRefused(Operation.TRANSFER_REPL, "{" + TRANSFER + "\"lazy\": " + value + "}", message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "60.9                 | field 'tombstoneTtlSeconds' must be an integer, got 60.9",
        "\"60\"               | field 'tombstoneTtlSeconds' must be an integer, got \"60\"",
        "99999999999999999999 | field 'tombstoneTtlSeconds' is out of range, got 99999999999999999999",
        "0                    | field 'tombstoneTtlSeconds' must be between 1 and 2592000, got 0",
      })
  void transferRepl_ttlMustBeAnIntegerInRange(String value, String message) {
    assertRefused(
        Operation.TRANSFER_REPL,
        "{" + TRANSFER + "\"tombstoneTtlSeconds\": " + value + "}",
        message);
  }

  @Test
  void transferRepl_optionalFieldsMayBeNullOrAbsent() {
    TransferReplRequest r = read(Operation.TRANSFER_REPL, "{" + TRANSFER + "\"lazy\": null}");
    assertThat(r.isLazy()).isFalse();
    assertThat(r.tombstoneTtl().toSeconds())
        .isEqualTo(TransferReplRequest.DEFAULT_TOMBSTONE_TTL_SECONDS);
  }

  @Test
  void registerMachine_addressWithNul_isRefused() {
    assertRefused(
        Operation.REGISTER_MACHINE,
        "{\"machineId\": \"m-1\", \"cluster\": \"c-1\", \"address\": \"10.0.0.1\\u0000x\", \"capacity\": 5}",
        "field 'address' must not contain NUL (U+0000)");
  }

  @Test
  void registerMachine_addressWithALoneSurrogate_isRefused() {
    assertRefused(
        Operation.REGISTER_MACHINE,
        "{\"machineId\": \"m-1\", \"cluster\": \"c-1\", \"address\": \"host\\ud800\", \"capacity\": 5}",
        "field 'address' must be valid Unicode, got a lone surrogate U+D800 at index 4");
    assertRefused(
        Operation.REGISTER_MACHINE,
        "{\"machineId\": \"m-1\", \"cluster\": \"c-1\", \"address\": \"\\udc00host\", \"capacity\": 5}",
        "field 'address' must be valid Unicode, got a lone surrogate U+DC00 at index 0");
  }

  @Test
  void registerMachine_addressLengthCountsCharactersNotUtf16Units() {
    String pairs = "\\ud83d\\ude00".repeat(255); // 255 emoji: 510 UTF-16 units, 255 characters
    assertThat(
            read(
                    Operation.REGISTER_MACHINE,
                    "{\"machineId\": \"m-1\", \"cluster\": \"c-1\", \"address\": \""
                        + pairs
                        + "\", \"capacity\": 5}")
                .address())
        .hasSize(510);
    assertRefused(
        Operation.REGISTER_MACHINE,
        "{\"machineId\": \"m-1\", \"cluster\": \"c-1\", \"address\": \""
            + "a".repeat(256)
            + "\", \"capacity\": 5}",
        "field 'address' must be at most 255 characters, got 256");
  }

  @Test
  void unknownField_isNamed_andAnOddNameIsEscaped() {
    assertRefused(
        Operation.GET_REPL, "{\"replId\": \"r-1\", \"extra\": 1}", "unknown field 'extra'");
    assertRefused(
        Operation.GET_REPL,
        "{\"replId\": \"r-1\", \"a\\u0000\u00e9\": 1}",
        "unknown field 'a\\u0000\\u00E9'");
  }

  @Test
  void echoedValues_areEscapedAndCut() {
    assertRefused(
        Operation.GET_REPL,
        "{\"replId\": \"r\\u0000\\udfff\"}",
        "field 'replId' must be 1-128 characters of [A-Za-z0-9._-], got 'r\\u0000\\uDFFF'");
    assertThatThrownBy(
            () -> read(Operation.GET_REPL, "{\"replId\": \"" + "x".repeat(100_000) + "\"}"))
        .hasMessageEndingWith("got '" + "x".repeat(64) + "... (100000 characters)'");
  }

  @Test
  void aBodyThatIsNotAnObject_isRefused() {
    assertRefused(Operation.GET_REPL, "[\"r-1\"]", "the body must be a JSON object");
    assertRefused(Operation.GET_REPL, "null", "the body must be a JSON object");
  }
}
