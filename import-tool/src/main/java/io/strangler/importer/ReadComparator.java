package io.strangler.importer;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.DiffRulesFile;
import io.strangler.diff.Classification;
import io.strangler.diff.Classifier;
import io.strangler.diff.DiffRules;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Recheck;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import java.util.Optional;

/**
 * Decides whether the legacy backend and the control plane answered one read alike. One method, so
 * the engine behind it can change without the verifier noticing.
 */
interface ReadComparator {

  /**
   * @param api the operation name ({@code GetRepl}, {@code ListContainers}, ...)
   * @return empty when the answers agree, else a short description of how they differ
   */
  Optional<String> differences(String api, Outcome legacy, Outcome controlPlane);

  /** One backend's outcome of a read: its answer as JSON, or its error. */
  sealed interface Outcome {
    record Answer(JsonNode body) implements Outcome {}

    record Error(String code, String message) implements Outcome {}
  }

  /** The diff reporter's engine with the contract's default rules; the legacy side is primary. */
  static ReadComparator diffEngine() {
    Classifier classifier = new Classifier(DiffRules.load(DiffRulesFile.url()));
    return (api, legacy, controlPlane) -> {
      Classification c =
          classifier.classify(
              api,
              Side.LEGACY,
              new Observations(observed(legacy), observed(controlPlane)),
              Recheck.NONE);
      if (c.verdict() == Verdict.MATCH || c.verdict() == Verdict.BOTH_ERROR_SAME) {
        return Optional.empty();
      }
      return Optional.of(c.verdict() + (c.diffs().isEmpty() ? "" : " " + c.diffs()));
    };
  }

  private static Observed observed(Outcome o) {
    return switch (o) {
      case Outcome.Answer a -> new Observed.Answer(a.body());
      case Outcome.Error e -> new Observed.Failure(e.code(), e.message());
    };
  }
}
