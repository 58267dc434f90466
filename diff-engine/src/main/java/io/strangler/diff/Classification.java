package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * The result of comparing one call: the verdict, the canonical form of each side and the field
 * differences.
 *
 * <p>A side's canonical document is its canonical answer; for an error, {@code {"code": ...}} (with
 * {@code "message"} when the rules compare messages); a missing node when it timed out or was
 * dropped. {@code diffs} is non-empty exactly for MISMATCH, RACE (the differences of the first
 * read) and BOTH_ERROR_DIFFERENT; it is always {legacy, new}, whichever side is authoritative.
 */
public record Classification(
    Verdict verdict, JsonNode canonicalLegacy, JsonNode canonicalNew, List<FieldDiff> diffs) {
  public Classification {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(canonicalLegacy, "canonicalLegacy");
    Objects.requireNonNull(canonicalNew, "canonicalNew");
    diffs = List.copyOf(diffs);
  }

  /** A human unified diff of the two canonical documents; empty when they are equal. */
  public String unifiedDiff() {
    return UnifiedDiff.between(canonicalLegacy, canonicalNew);
  }
}
