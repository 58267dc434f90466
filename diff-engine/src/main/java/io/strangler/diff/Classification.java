package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The result of comparing one call: the verdict, the canonical form of each side and the field
 * differences.
 *
 * <p>A side's canonical document is its canonical answer; for an error, {@code {"code": ...}} (with
 * {@code "message"} when the rules compare messages); a missing node when it timed out or was
 * dropped. {@code diffs} is non-empty exactly for MISMATCH, RACE (the differences of the first
 * read) and BOTH_ERROR_DIFFERENT; it is always {legacy, new}, whichever side is authoritative.
 *
 * <p>When both sides answered the same JSON text the canonical document is made only if somebody
 * reads it (most calls match, and nobody does).
 */
public final class Classification {
  private final Verdict verdict;
  private final List<FieldDiff> diffs;
  private final Supplier<JsonNode> both; // null: the two documents are given
  private volatile JsonNode canonicalLegacy;
  private volatile JsonNode canonicalNew;

  public Classification(
      Verdict verdict, JsonNode canonicalLegacy, JsonNode canonicalNew, List<FieldDiff> diffs) {
    this.verdict = Objects.requireNonNull(verdict, "verdict");
    this.canonicalLegacy = Objects.requireNonNull(canonicalLegacy, "canonicalLegacy");
    this.canonicalNew = Objects.requireNonNull(canonicalNew, "canonicalNew");
    this.diffs = List.copyOf(diffs);
    this.both = null;
  }

  private Classification(Verdict verdict, Supplier<JsonNode> both) {
    this.verdict = verdict;
    this.diffs = List.of();
    this.both = both;
  }

  /** A MATCH of two answers written alike: {@code canonical} makes their one canonical document. */
  static Classification sameAnswer(Supplier<JsonNode> canonical) {
    return new Classification(Verdict.MATCH, Objects.requireNonNull(canonical, "canonical"));
  }

  public Verdict verdict() {
    return verdict;
  }

  public JsonNode canonicalLegacy() {
    JsonNode c = canonicalLegacy;
    if (c == null) {
      c = both.get();
      canonicalLegacy = c; // made twice at worst, equal either way
      canonicalNew = c;
    }
    return c;
  }

  public JsonNode canonicalNew() {
    JsonNode c = canonicalNew;
    return c != null ? c : canonicalLegacy();
  }

  public List<FieldDiff> diffs() {
    return diffs;
  }

  /** A human unified diff of the two canonical documents; empty when they are equal. */
  public String unifiedDiff() {
    return both != null ? "" : UnifiedDiff.between(canonicalLegacy, canonicalNew);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Classification other
        && verdict == other.verdict
        && diffs.equals(other.diffs)
        && canonicalLegacy().equals(other.canonicalLegacy())
        && canonicalNew().equals(other.canonicalNew());
  }

  @Override
  public int hashCode() {
    return Objects.hash(verdict, diffs, canonicalLegacy(), canonicalNew());
  }

  @Override
  public String toString() {
    return "Classification[verdict="
        + verdict
        + ", canonicalLegacy="
        + canonicalLegacy()
        + ", canonicalNew="
        + canonicalNew()
        + ", diffs="
        + diffs
        + "]";
  }
}
