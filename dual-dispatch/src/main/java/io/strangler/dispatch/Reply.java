package io.strangler.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * What a {@link Backend} answers to one call: a JSON answer or an error in the contract's shape.
 * The proxy adds the latency and turns it into an {@link Outcome}.
 */
public sealed interface Reply {

  /**
   * A successful answer, sent to the client as is when this backend is authoritative. A backend may
   * hand over its own answer object with the mapper that writes it ({@link #ok(Object,
   * ObjectMapper)}): the client's bytes are then written straight from it, and the JSON tree (what
   * the diff, the recorder and a shadow write's derivation read) is only made if one of them asks.
   * In a single-backend mode without a traffic log nobody does.
   */
  final class Ok implements Reply {
    private final Object value;
    private final ObjectMapper mapper; // null: value is the tree itself
    private volatile JsonNode body;
    private volatile byte[] bytes;

    /** An answer given as a JSON tree. */
    public Ok(JsonNode body) {
      this.body = Objects.requireNonNull(body, "body");
      this.value = body;
      this.mapper = null;
    }

    private Ok(Object value, ObjectMapper mapper) {
      this.value = Objects.requireNonNull(value, "value");
      this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** The answer as a JSON tree, made once, on first use, from the backend's answer object. */
    public JsonNode body() {
      JsonNode b = body;
      if (b == null) {
        b = mapper.valueToTree(value);
        body = b; // two threads may both make it: equal trees, either will do
      }
      return b;
    }

    /**
     * The answer as JSON bytes, as the client gets it, made once: from the backend's answer object
     * without a tree, or from the tree when the answer was given as one. Callers must not change
     * the array.
     */
    public byte[] bytes() {
      byte[] out = bytes;
      if (out == null) {
        try {
          out = mapper == null ? Json.bytes((JsonNode) value) : mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException("cannot write the answer as JSON: " + e, e);
        }
        bytes = out;
      }
      return out;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Ok other && body().equals(other.body());
    }

    @Override
    public int hashCode() {
      return body().hashCode();
    }

    @Override
    public String toString() {
      return "Ok[body=" + body() + "]";
    }
  }

  /**
   * An error: the client gets {@code httpStatus} and {@code {"code", "message"}} when this backend
   * is authoritative. A store that cannot be reached answers {@link #unavailable}.
   */
  record Failed(String code, int httpStatus, String message) implements Reply {
    public Failed {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
      if (httpStatus < 400 || httpStatus > 599) {
        throw new IllegalArgumentException("an error answers 4xx or 5xx, got " + httpStatus);
      }
    }
  }

  static Reply ok(JsonNode body) {
    return new Ok(body);
  }

  /**
   * An answer given as the backend's own object, written as JSON by {@code mapper} when the client
   * or a reader of the tree needs it. The object must not change once handed over.
   */
  static Reply ok(Object value, ObjectMapper mapper) {
    return new Ok(value, mapper);
  }

  static Reply failed(String code, int httpStatus, String message) {
    return new Failed(code, httpStatus, message);
  }

  /** The backend's store cannot be reached; the message should name the backend. */
  static Reply unavailable(String message) {
    return new Failed(ErrorCodes.UNAVAILABLE, 503, message);
  }
}
