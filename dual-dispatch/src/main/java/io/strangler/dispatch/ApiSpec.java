package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One operation of the API the proxy fronts, as the proxy sees it: a name (the path segment {@code
 * /v1/{name}} and the flag name), whether it writes, and how to check a request body.
 *
 * <p>{@link #prepare} runs on a network thread for every call, before either backend is touched: it
 * must be quick and pure (no I/O, no clock, no randomness).
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

  /**
   * The request the shadow backend gets for a write, derived from the client's request and the
   * authoritative backend's answer: how an operation whose backend decides something (where a
   * container goes) tells the shadow to apply the authoritative decision rather than decide again
   * on its own, differently, from its own view of the store. The default sends the client's request
   * unchanged. See {@link ShadowDerivation#shadowRequest}.
   */
  default Prepared shadowRequest(Prepared prepared, JsonNode authoritativeAnswer) {
    return ShadowDerivation.AS_SENT.shadowRequest(prepared, authoritativeAnswer);
  }

  /**
   * Every entity a shadow write touches, by which shadow writes are ordered: a shadow write waits
   * for the queued shadow writes of each of these keys. The default is the request's own entity.
   * See {@link ShadowDerivation#orderingKeys}.
   */
  default Collection<String> orderingKeys(Prepared prepared, JsonNode authoritativeAnswer) {
    return ShadowDerivation.AS_SENT.orderingKeys(prepared, authoritativeAnswer);
  }

  /**
   * How an operation derives its shadow write from the client's request and the authoritative
   * answer. Both methods are called for writes only, once the authoritative backend has answered
   * successfully (a write that failed there is not shadowed), on the thread that completed the
   * authoritative call and before the client hears back: they must be quick and pure (no I/O, no
   * clock, no randomness) and must not throw; an answer they cannot read is a reason to return the
   * default, since the diff shows whatever the shadow then does.
   */
  interface ShadowDerivation {
    /** Sends the client's request as it came, ordered by its entity alone. */
    ShadowDerivation AS_SENT = new ShadowDerivation() {};

    /**
     * The request the shadow backend gets. The result keeps the original's {@code body} (what the
     * recorder and the diff show is what the client sent), {@code routingKey} and {@code
     * entityKey}; only its {@code request} (the form backends act on) may carry more, such as the
     * authoritative backend's decision.
     */
    default Prepared shadowRequest(Prepared prepared, JsonNode authoritativeAnswer) {
      return prepared;
    }

    /**
     * The keys of every entity the shadow write touches, in the namespace of {@link
     * Prepared#entityKey()} so that the lanes of writes and of reads line up. The answer may name
     * entities the request does not (a stopped container's repl). {@link SimpleApiSpec} adds the
     * request's entity key when it is missing, so it is always among the keys.
     */
    default Collection<String> orderingKeys(Prepared prepared, JsonNode authoritativeAnswer) {
      return List.of(prepared.entityKey());
    }
  }

  /** The body check of {@link #of}. */
  @FunctionalInterface
  interface Preparer {
    Prepared prepare(JsonNode body) throws BadRequest;
  }

  /** An operation from its parts, whose shadow writes are sent as the client sent them. */
  static ApiSpec of(String name, Kind kind, Preparer preparer) {
    return new SimpleApiSpec(name, kind, preparer, ShadowDerivation.AS_SENT);
  }

  /** An operation from its parts, whose shadow writes {@code shadows} derives. */
  static ApiSpec of(String name, Kind kind, Preparer preparer, ShadowDerivation shadows) {
    return new SimpleApiSpec(name, kind, preparer, shadows);
  }

  /** The spec {@link #of} builds. */
  record SimpleApiSpec(String name, Kind kind, Preparer preparer, ShadowDerivation shadows)
      implements ApiSpec {
    public SimpleApiSpec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(preparer, "preparer");
      Objects.requireNonNull(shadows, "shadows");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "operation name must match " + NAME.pattern() + ", got '" + name + "'");
      }
    }

    @Override
    public Prepared prepare(JsonNode body) throws BadRequest {
      return preparer.prepare(body);
    }

    /**
     * The derivation's request form, with the original's body and keys: lanes, rollout stickiness
     * and what the diff shows stay those of the client's request whatever the derivation does.
     */
    @Override
    public Prepared shadowRequest(Prepared prepared, JsonNode authoritativeAnswer) {
      Prepared derived = shadows.shadowRequest(prepared, authoritativeAnswer);
      if (derived == prepared) {
        return prepared;
      }
      return new Prepared(
          prepared.body(), derived.request(), prepared.routingKey(), prepared.entityKey());
    }

    /**
     * The derivation's keys, with the request's own entity key first whether or not it named it.
     */
    @Override
    public Collection<String> orderingKeys(Prepared prepared, JsonNode authoritativeAnswer) {
      Collection<String> keys = shadows.orderingKeys(prepared, authoritativeAnswer);
      if (keys.size() == 1 && keys.contains(prepared.entityKey())) {
        return keys;
      }
      LinkedHashSet<String> all = new LinkedHashSet<>();
      all.add(prepared.entityKey());
      all.addAll(keys);
      return List.copyOf(all);
    }
  }
}
