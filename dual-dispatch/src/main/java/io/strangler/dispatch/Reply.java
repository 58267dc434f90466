package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * What a {@link Backend} answers to one call: a JSON answer or an error in the contract's shape.
 * The proxy adds the latency and turns it into an {@link Outcome}.
 */
public sealed interface Reply {

  /** A successful answer, sent to the client as is when this backend is authoritative. */
  record Ok(JsonNode body) implements Reply {
    public Ok {
      Objects.requireNonNull(body, "body");
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

  static Reply failed(String code, int httpStatus, String message) {
    return new Failed(code, httpStatus, message);
  }

  /** The backend's store cannot be reached; the message should name the backend. */
  static Reply unavailable(String message) {
    return new Failed(ErrorCodes.UNAVAILABLE, 503, message);
  }
}
