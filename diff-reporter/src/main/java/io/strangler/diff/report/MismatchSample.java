package io.strangler.diff.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.FieldDiff;
import io.strangler.diff.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One stored inconsistent call. Each side's outcome is {@code answer}, {@code failure}, {@code
 * timed_out} or {@code dropped}; its answer is the body of an answer, {@code {"code", "message"}}
 * of a failure, and null otherwise. Answers are as the backends gave them; {@code diffs} and {@code
 * unifiedDiff} are of the canonical forms.
 */
public record MismatchSample(
    long id,
    String api,
    String requestId,
    Instant at,
    Verdict verdict,
    String mode,
    RecheckResult recheck,
    JsonNode request,
    BackendOutcome legacy,
    @JsonProperty("new") BackendOutcome newSide,
    List<FieldDiff> diffs,
    String unifiedDiff) {

  public MismatchSample {
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(recheck, "recheck");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(legacy, "legacy");
    Objects.requireNonNull(newSide, "newSide");
    diffs = List.copyOf(diffs);
    Objects.requireNonNull(unifiedDiff, "unifiedDiff");
  }

  /** One backend's outcome and answer. */
  public record BackendOutcome(String outcome, JsonNode answer) {
    public BackendOutcome {
      Objects.requireNonNull(outcome, "outcome");
    }
  }
}
