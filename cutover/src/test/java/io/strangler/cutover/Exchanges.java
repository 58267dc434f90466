package io.strangler.cutover;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import java.time.Duration;
import java.time.Instant;

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
}
