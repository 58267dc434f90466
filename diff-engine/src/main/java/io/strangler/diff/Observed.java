package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** What one backend gave for one call: an answer, an error, nothing in time, or no call at all. */
public sealed interface Observed {

  /** A successful answer: the JSON body. */
  record Answer(JsonNode body) implements Observed {
    public Answer {
      Objects.requireNonNull(body, "body");
    }
  }

  /** An error answer of the contract: {@code {"code": ..., "message": ...}}. */
  record Failure(String code, String message) implements Observed {
    public Failure {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
      if (code.isBlank()) {
        throw new IllegalArgumentException("an error code must not be blank");
      }
    }
  }

  /** The backend did not answer within its deadline. */
  record TimedOut() implements Observed {}

  /** The call was never made (e.g. the shadow queue was full or a kill switch was on). */
  record Dropped() implements Observed {}
}
