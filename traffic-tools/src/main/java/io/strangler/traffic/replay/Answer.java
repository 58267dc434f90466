package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** What a call answered, as a client sees it: a JSON answer, or an error with its HTTP status. */
public sealed interface Answer {

  /** A short, low-cardinality name: {@code ok} or the error code. */
  String label();

  record Ok(JsonNode body) implements Answer {
    public Ok {
      Objects.requireNonNull(body, "body");
    }

    @Override
    public String label() {
      return "ok";
    }
  }

  /**
   * An error in the contract's shape. {@code status} 0 and code {@code TRANSPORT} when the target
   * could not be reached at all.
   */
  record Failed(int status, String code, String message) implements Answer {
    public static final String TRANSPORT = "TRANSPORT";

    public Failed {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String label() {
      return code;
    }
  }

  /**
   * Whether {@code other} is the same outcome: an answer with the same JSON, or an error with the
   * same code.
   */
  default boolean sameAs(Answer other) {
    return switch (this) {
      case Ok ok -> other instanceof Ok o && ok.body().equals(o.body());
      case Failed e -> other instanceof Failed o && e.code().equals(o.code());
    };
  }
}
