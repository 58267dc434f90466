package io.strangler.cutover;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.strangler.diff.Classification;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.CallKind;
import io.strangler.diff.report.ComparedCall;
import io.strangler.diff.report.DiffResult;
import io.strangler.diff.report.RecheckResult;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Exchanges as the proxy hands them to its sink, for feeding a {@link HealthWindow}. */
final class Exchanges {
  private Exchanges() {}

  static Outcome ok(long millis) {
    return new Outcome.Answer(
        JsonNodeFactory.instance.objectNode().put("ok", true), Duration.ofMillis(millis));
  }

  static Outcome unavailable(long millis) {
    return new Outcome.Failure("UNAVAILABLE", 503, "store down", Duration.ofMillis(millis));
  }

  static Outcome notFound(long millis) {
    return new Outcome.Failure("NOT_FOUND", 404, "no such repl", Duration.ofMillis(millis));
  }

  /** One call in NEW_PRIMARY: new authoritative, legacy shadow. */
  static Exchange newPrimary(String api, Outcome newer, Outcome legacy) {
    return new Exchange(
        api,
        ApiSpec.Kind.READ,
        Mode.NEW_PRIMARY,
        JsonNodeFactory.instance.objectNode(),
        "r",
        Instant.EPOCH,
        newer,
        legacy);
  }

  /**
   * The diff pipeline's result of one NEW_PRIMARY call whose verdict is {@code verdict}, with
   * {@code legacy} as legacy's side (the new side answered).
   */
  static DiffResult compared(String api, Verdict verdict, Observed legacy) {
    return new DiffResult(
        ComparedCall.builder()
            .api(api)
            .kind(CallKind.READ)
            .mode("NEW_PRIMARY")
            .authoritative(Side.NEW)
            .request(JsonNodeFactory.instance.objectNode())
            .requestId("r")
            .at(Instant.EPOCH)
            .legacy(legacy, legacy instanceof Observed.Answer ? Duration.ofMillis(5) : null)
            .newer(new Observed.Answer(JsonNodeFactory.instance.objectNode()), Duration.ofMillis(5))
            .build(),
        new Classification(
            verdict, MissingNode.getInstance(), MissingNode.getInstance(), List.of()),
        RecheckResult.NONE,
        Instant.EPOCH);
  }
}
