package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One place where the two canonical answers differ.
 *
 * <p>{@code path} is a JSON Pointer into the canonical answers; an element of a keyed array is
 * named by its key ({@code /machines/m-7/address}), any other element by its index. {@code
 * foldedPath} is the same path with every array element written {@code *} ({@code
 * /machines/}{@code *}{@code /address}): what to count mismatches by, since it does not grow with
 * the data. A side without the value (a field or element only the other side has, or no answer at
 * all) holds a {@linkplain JsonNode#isMissingNode() missing node}, never Java null, so absent and
 * JSON {@code null} stay apart.
 */
public record FieldDiff(String path, String foldedPath, JsonNode legacyValue, JsonNode newValue) {
  public FieldDiff {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(foldedPath, "foldedPath");
    Objects.requireNonNull(legacyValue, "legacyValue (use MissingNode for an absent value)");
    Objects.requireNonNull(newValue, "newValue (use MissingNode for an absent value)");
  }

  /** True when only the new answer has a value here. */
  public boolean missingInLegacy() {
    return legacyValue.isMissingNode();
  }

  /** True when only the legacy answer has a value here. */
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
}
