package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One operation of the API the proxy fronts, as the proxy sees it: a name (the path segment
 * {@code /v1/{name}} and the flag name), whether it writes, and how to check a request body.
 *
 * <p>{@link #prepare} runs on a network thread for every call, before either backend is touched:
 * it must be quick and pure (no I/O, no clock, no randomness).
 */
public interface ApiSpec {

  /** Reads change nothing and run on both backends in parallel; writes run one after the other. */
  enum Kind {
    READ,
    WRITE
  }

  /** What operation names look like: they become URL path segments and flag names. */
  Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  String name();

  Kind kind();

  /**
   * Validates a request body (a JSON object) and derives its keys.
   *
   * @throws BadRequest when a field is missing, mistyped or malformed; the client gets its error
   *     and neither backend is called
   */
  Prepared prepare(JsonNode body) throws BadRequest;

  /** The body check of {@link #of}. */
  @FunctionalInterface
  interface Preparer {
    Prepared prepare(JsonNode body) throws BadRequest;
  }

  /** An operation from its parts. */
  static ApiSpec of(String name, Kind kind, Preparer preparer) {
    return new SimpleApiSpec(name, kind, preparer);
  }

  /** The spec {@link #of} builds. */
  record SimpleApiSpec(String name, Kind kind, Preparer preparer) implements ApiSpec {
    public SimpleApiSpec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(preparer, "preparer");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "operation name must match " + NAME.pattern() + ", got '" + name + "'");
      }
    }

    @Override
    public Prepared prepare(JsonNode body) throws BadRequest {
      return preparer.prepare(body);
    }
  }
}
