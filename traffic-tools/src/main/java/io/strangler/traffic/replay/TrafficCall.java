package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One call to send: a line of a traffic log, or a call the simulator made up.
 *
 * @param time the time the proxy stamped when it was recorded (in-process replays give it to both
 *     backends as {@code now}); null for a call stamped when it is sent
 * @param mode the dispatch mode it was recorded in ({@code SHADOW}, ...), or null if unknown
 * @param recorded the authoritative answer it got when recorded, or null
 * @param source where it comes from, for messages ({@code traffic.jsonl:12})
 * @param entity the entity the call is ordered by when it is known better than its request says (a
 *     StopContainer names a container, but changes its repl); null to use the request's
 */
public record TrafficCall(
    Instant time,
    String operation,
    String requestId,
    String mode,
    JsonNode request,
    Answer recorded,
    String source,
    String entity) {

  public TrafficCall {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(source, "source");
  }

  /** A call ordered by the request's own entity. */
  public TrafficCall(
      Instant time,
      String operation,
      String requestId,
      String mode,
      JsonNode request,
      Answer recorded,
      String source) {
    this(time, operation, requestId, mode, request, recorded, source, null);
  }

  /** The same call under another request id (and so another container id, if it creates one). */
  public TrafficCall withRequestId(String id) {
    return new TrafficCall(time, operation, id, mode, request, recorded, source, entity);
  }

  /** The same call, ordered with the calls of {@code entityKey}. */
  public TrafficCall withEntity(String entityKey) {
    return new TrafficCall(time, operation, requestId, mode, request, recorded, source, entityKey);
  }
}
