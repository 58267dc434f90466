package io.strangler.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Gives one call's pair of outcomes a {@link Verdict}. Pure apart from the {@link Recheck} it is
 * handed, and thread-safe.
 *
 * <p>The order of the decision: a shadow that was dropped or timed out leaves nothing to compare
 * (SHADOW_DROPPED, SHADOW_TIMEOUT); then errors, seen from the authoritative side (an authoritative
 * timeout counts as an authoritative error); then two answers are canonicalized and diffed, and a
 * difference is read again once through the recheck: agreement then is a RACE.
 */
public final class Classifier {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final DiffRules rules;

  public Classifier(DiffRules rules) {
    this.rules = Objects.requireNonNull(rules, "rules");
  }

  /**
   * Classifies one call of {@code api}.
   *
   * @param authoritative the side whose answer the client got (NEW in NEW_PRIMARY)
   * @param recheck a second read of both sides, for reads; {@link Recheck#NONE} for writes
   * @throws IllegalArgumentException if the authoritative side is {@link Observed.Dropped}: the
   *     authoritative call is always made
   */
  public Classification classify(
      String api, Side authoritative, Observations observed, Recheck recheck) {
    Objects.requireNonNull(authoritative, "authoritative");
    Objects.requireNonNull(recheck, "recheck");
    ApiRules apiRules = rules.forApi(api);
    Observed primary = observed.of(authoritative);
    Observed shadow = observed.of(authoritative == Side.LEGACY ? Side.NEW : Side.LEGACY);
    if (primary instanceof Observed.Dropped) {
      throw new IllegalArgumentException(
          "the authoritative side (" + authoritative + ") of a " + api + " call cannot be dropped");
    }
    if (primary instanceof Observed.Answer p
        && shadow instanceof Observed.Answer s
        && p.sameJson(s)) {
      // The same text is the same document: equal under any rules, and nothing to build.
      return Classification.sameAnswer(() -> Canonicalizer.canonicalize(p.body(), apiRules));
    }
    JsonNode legacy = canonical(observed.legacySide(), apiRules);
    JsonNode newer = canonical(observed.newSide(), apiRules);
    Verdict verdict;
    List<FieldDiff> diffs = List.of();
    if (shadow instanceof Observed.Dropped) {
      verdict = Verdict.SHADOW_DROPPED;
    } else if (shadow instanceof Observed.TimedOut) {
      verdict = Verdict.SHADOW_TIMEOUT;
    } else if (!(primary instanceof Observed.Answer)) {
      if (shadow instanceof Observed.Answer) {
        verdict = Verdict.AUTHORITATIVE_ERROR;
      } else {
        // Both failed (or the authoritative side timed out and the shadow failed).
        diffs = JsonDiff.diff(legacy, newer, ApiRules.NONE);
        verdict = diffs.isEmpty() ? Verdict.BOTH_ERROR_SAME : Verdict.BOTH_ERROR_DIFFERENT;
      }
    } else if (!(shadow instanceof Observed.Answer)) {
      verdict = Verdict.SHADOW_ERROR;
    } else {
      diffs = JsonDiff.diff(legacy, newer, apiRules);
      verdict = diffs.isEmpty() ? Verdict.MATCH : recheck(recheck, apiRules);
    }
    return new Classification(verdict, legacy, newer, diffs);
  }

  private static Verdict recheck(Recheck recheck, ApiRules apiRules) {
    Optional<Observations> again = recheck.again();
    if (again.isEmpty()
        || !(again.get().legacySide() instanceof Observed.Answer legacy)
        || !(again.get().newSide() instanceof Observed.Answer newer)) {
      return Verdict.MISMATCH;
    }
    if (legacy.sameJson(newer)) {
      return Verdict.RACE;
    }
    JsonNode a = Canonicalizer.canonicalize(legacy.body(), apiRules);
    JsonNode b = Canonicalizer.canonicalize(newer.body(), apiRules);
    return JsonDiff.diff(a, b, apiRules).isEmpty() ? Verdict.RACE : Verdict.MISMATCH;
  }

  private static JsonNode canonical(Observed observed, ApiRules apiRules) {
    return switch (observed) {
      case Observed.Answer answer -> Canonicalizer.canonicalize(answer.body(), apiRules);
      case Observed.Failure failure -> {
        ObjectNode error = NODES.objectNode().put("code", failure.code());
        if (apiRules.compareErrorMessages()) {
          error.put("message", failure.message());
        }
        yield error;
      }
      case Observed.TimedOut timedOut -> MissingNode.getInstance();
      case Observed.Dropped dropped -> MissingNode.getInstance();
    };
  }
}
