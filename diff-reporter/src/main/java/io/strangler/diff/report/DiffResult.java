package io.strangler.diff.report;

import io.strangler.diff.Classification;
import io.strangler.diff.Verdict;
import java.time.Instant;
import java.util.Objects;

/**
 * One compared call: the call, its classification by the engine, what became of its second read,
 * and when the comparison finished (by the pipeline's clock).
 */
public record DiffResult(
    ComparedCall call, Classification classification, RecheckResult recheck, Instant comparedAt) {
  public DiffResult {
    Objects.requireNonNull(call, "call");
    Objects.requireNonNull(classification, "classification");
    Objects.requireNonNull(recheck, "recheck");
    Objects.requireNonNull(comparedAt, "comparedAt");
  }

  public Verdict verdict() {
    return classification.verdict();
  }

  public String api() {
    return call.api();
  }
}
