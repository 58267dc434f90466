package io.strangler.diff;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.util.List;

/**
 * A unified diff, for people, of two canonical documents pretty-printed one value per line, with
 * the headers {@code --- legacy} and {@code +++ new}. A missing document (no answer) prints as no
 * lines at all.
 */
public final class UnifiedDiff {
  /** Lines of context around each change, as {@code diff -u} gives by default. */
  public static final int DEFAULT_CONTEXT = 3;

  private static final DefaultIndenter INDENTER = new DefaultIndenter("  ", "\n");
  private static final ObjectWriter PRETTY =
      JsonMapper.builder()
          .build()
          .writer(
              new DefaultPrettyPrinter(
                      Separators.createDefaultInstance()
                          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                          .withObjectEmptySeparator("")
                          .withArrayEmptySeparator(""))
                  .withArrayIndenter(INDENTER)
                  .withObjectIndenter(INDENTER));

  private UnifiedDiff() {}

  /** The unified diff of {@code legacy} and {@code newer}; empty when they print the same. */
  public static String between(JsonNode legacy, JsonNode newer) {
    return between(legacy, newer, DEFAULT_CONTEXT);
  }

  /** As {@link #between(JsonNode, JsonNode)} with {@code context} lines around each change. */
  public static String between(JsonNode legacy, JsonNode newer, int context) {
    if (context < 0) {
      throw new IllegalArgumentException("context must not be negative: " + context);
    }
    List<String> before = lines(legacy);
    List<String> after = lines(newer);
    Patch<String> patch = DiffUtils.diff(before, after);
    if (patch.getDeltas().isEmpty()) {
      return "";
    }
    List<String> diff =
        UnifiedDiffUtils.generateUnifiedDiff("legacy", "new", before, patch, context);
    return String.join("\n", diff) + "\n";
  }

  /** {@code document} pretty-printed as the diff shows it, one line per element. */
  static List<String> lines(JsonNode document) {
    if (document.isMissingNode()) {
      return List.of();
    }
    try {
      return List.of(PRETTY.writeValueAsString(document).split("\n", -1));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A JSON tree could not be printed", e);
    }
  }
}
