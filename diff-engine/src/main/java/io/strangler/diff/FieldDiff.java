package io.strangler.diff;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Objects;

/**
 * One place where the two canonical answers differ.
 *
 * <p>{@code path} is a JSON Pointer into the canonical answers; an element of a keyed array is
 * named by its key ({@code /machines/m-7/address}), any other element by its index. {@code
 * foldedPath} is the same path with every array element written {@code *} ({@code /machines/}{@code
 * *}{@code /address}): what to count mismatches by, since it does not grow with the data. A side
 * without the value (a field or element only the other side has, or no answer at all) holds a
 * {@linkplain JsonNode#isMissingNode() missing node}, so absent and JSON {@code null} stay apart; a
 * Java null given for a side means absent too.
 *
 * <p>As JSON: {@code {"path", "foldedPath", "legacy", "new"}}, an absent side left out.
 */
public record FieldDiff(
    String path,
    String foldedPath,
    @JsonProperty("legacy")
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Absent.class)
        JsonNode legacyValue,
    @JsonProperty("new")
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Absent.class)
        JsonNode newValue) {
  public FieldDiff {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(foldedPath, "foldedPath");
    legacyValue = legacyValue == null ? MissingNode.getInstance() : legacyValue;
    newValue = newValue == null ? MissingNode.getInstance() : newValue;
  }

  /** True when only the new answer has a value here. */
  @JsonIgnore
  public boolean missingInLegacy() {
    return legacyValue.isMissingNode();
  }

  /** True when only the legacy answer has a value here. */
  @JsonIgnore
  public boolean missingInNew() {
    return newValue.isMissingNode();
  }

  /** For logs: {@code /machines/m-7/address: legacy "10.0.0.7", new (absent)}. */
  @Override
  public String toString() {
    return (path.isEmpty() ? "(document)" : path)
        + ": legacy "
        + show(legacyValue)
        + ", new "
        + show(newValue);
  }

  private static String show(JsonNode value) {
    return value.isMissingNode() ? "(absent)" : value.toString();
  }

  /** Jackson's inclusion filter: a value it "equals" is left out, so a missing node is. */
  static final class Absent {
    @Override
    public boolean equals(Object value) {
      return value == null || (value instanceof JsonNode node && node.isMissingNode());
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }
}
