package io.strangler.traffic.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.ControlApiJson;
import io.strangler.api.Operation;
import io.strangler.api.ops.EntityKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads traffic logs (the JSON Lines the proxy's recorder and the simulator write) into the calls
 * to replay, in the order of their recorded time. The recorder writes lines as calls complete, so
 * concurrent calls may be out of time order in the file; calls with the same millisecond keep the
 * order of the files as given, then of their lines. Everything is read and checked before anything
 * is sent: a bad line fails the whole replay, naming its file and line.
 */
public final class TrafficLog {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  private TrafficLog() {}

  public static List<TrafficCall> read(List<Path> files) {
    if (files.isEmpty()) {
      throw new ReplayException("no traffic log given (--log FILE...)");
    }
    List<TrafficCall> calls = new ArrayList<>();
    for (Path file : files) {
      readInto(file, calls);
    }
    // A stable sort: equal times keep file and line order.
    calls.sort(Comparator.comparing(TrafficCall::time));
    return orderStopsWithTheirRepls(calls);
  }

  /**
   * A StopContainer names its container, but it is the repl's container that stops: ordered by the
   * container alone, a replay with several workers could stop it before the connect that started
   * it, or connect again before it stopped. Where the log shows which repl a container ran (the
   * answer of the connect that started it), the stop is ordered with that repl's calls.
   */
  static List<TrafficCall> orderStopsWithTheirRepls(List<TrafficCall> calls) {
    Map<String, String> replOf = new HashMap<>();
    List<TrafficCall> out = new ArrayList<>(calls.size());
    for (TrafficCall c : calls) {
      if (c.operation().equals("ConnectRepl") && c.recorded() instanceof Answer.Ok ok) {
        JsonNode container = ok.body().path("container");
        if (container.hasNonNull("containerId") && container.hasNonNull("replId")) {
          replOf.put(container.get("containerId").asText(), container.get("replId").asText());
        }
      } else if (c.operation().equals("StopContainer")) {
        String repl = replOf.get(c.request().path("containerId").asText());
        if (repl != null) {
          c = c.withEntity(EntityKeys.repl(repl));
        }
      }
      out.add(c);
    }
    return out;
  }

  private static void readInto(Path file, List<TrafficCall> calls) {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int number = 0;
      while ((text = in.readLine()) != null) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        calls.add(parse(text, file.getFileName() + ":" + number));
      }
    } catch (NoSuchFileException e) {
      throw new ReplayException("no traffic log at " + file);
    } catch (IOException e) {
      throw new ReplayException("cannot read the traffic log " + file + ": " + e.getMessage(), e);
    }
  }

  /** One line; a line that is not a call of the control API is a {@link ReplayException}. */
  static TrafficCall parse(String text, String source) {
    JsonNode line;
    try {
      line = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ReplayException(source + ": not JSON: " + e.getOriginalMessage());
    }
    if (line == null || !line.isObject()) {
      throw new ReplayException(source + ": a line must be a JSON object");
    }
    Instant time;
    try {
      time = Instant.parse(text(line, "time", source));
    } catch (DateTimeParseException e) {
      throw new ReplayException(
          source + ": 'time' is not an ISO-8601 instant: " + line.get("time"));
    }
    String operation = text(line, "operation", source);
    if (Operation.byName(operation).isEmpty()) {
      throw new ReplayException(source + ": unknown operation '" + operation + "'");
    }
    String requestId = text(line, "requestId", source);
    String mode = line.hasNonNull("mode") ? line.get("mode").asText() : null;
    JsonNode request = line.get("request");
    if (request == null || !request.isObject()) {
      throw new ReplayException(source + ": 'request' must be a JSON object");
    }
    Answer recorded = null;
    if (line.has("answer")) {
      recorded = new Answer.Ok(line.get("answer"));
    } else if (line.has("error")) {
      JsonNode error = line.get("error");
      recorded =
          new Answer.Failed(
              line.path("status").asInt(0),
              error.path("code").asText("UNKNOWN"),
              error.path("message").asText(""));
    }
    return new TrafficCall(time, operation, requestId, mode, request, recorded, source);
  }

  private static String text(JsonNode line, String field, String source) {
    JsonNode v = line.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new ReplayException(source + ": '" + field + "' is missing or not a string");
    }
    return v.asText();
  }
}
