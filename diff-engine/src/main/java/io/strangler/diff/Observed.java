package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/** What one backend gave for one call: an answer, an error, nothing in time, or no call at all. */
public sealed interface Observed {

  /**
   * A successful answer: the JSON body. An answer may also carry the JSON text it was written as
   * ({@link #ofJson}); two answers written alike ({@link #sameJson}) are equal documents, which the
   * classifier then finds without building either tree. The tree is made once, on first use.
   */
  final class Answer implements Observed {
    private final byte[] json; // null: given as a tree
    private final Supplier<JsonNode> tree;
    private volatile JsonNode body;

    public Answer(JsonNode body) {
      this.body = Objects.requireNonNull(body, "body");
      this.json = null;
      this.tree = null;
    }

    private Answer(byte[] json, Supplier<JsonNode> tree) {
      this.json = Objects.requireNonNull(json, "json");
      this.tree = Objects.requireNonNull(tree, "tree");
    }

    /**
     * An answer written as {@code json} (not copied: the caller must not change it), whose tree
     * {@code tree} makes when somebody reads it; {@code tree} must give the document {@code json}
     * holds.
     */
    public static Answer ofJson(byte[] json, Supplier<JsonNode> tree) {
      return new Answer(json, tree);
    }

    /** The answer's JSON tree. */
    public JsonNode body() {
      JsonNode b = body;
      if (b == null) {
        b = Objects.requireNonNull(tree.get(), "the answer's tree");
        body = b; // two threads may both make it: equal trees, either will do
      }
      return b;
    }

    /**
     * True if both answers carry their JSON text and it is the same, byte for byte: then they are
     * the same document. False says nothing (the same document may be written in another order).
     */
    public boolean sameJson(Answer other) {
      return json != null && other.json != null && Arrays.equals(json, other.json);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Answer other && (sameJson(other) || body().equals(other.body()));
    }

    @Override
    public int hashCode() {
      return body().hashCode();
    }

    @Override
    public String toString() {
      return "Answer[body=" + body() + "]";
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
