package io.strangler.dispatch;

/**
 * Where the proxy hands every dispatched call with both its outcomes (the diff reporter plugs in
 * here). One core method.
 *
 * <p>The proxy calls it off the client's path (after the client's response is handed to the
 * network), from backend threads and occasionally from a network thread, concurrently. It must
 * not block: a sink that does real work wraps itself in an {@link AsyncSink}. Exceptions are
 * caught, counted and logged (rate-limited).
 */
@FunctionalInterface
public interface OutcomeSink {

  void accept(Exchange exchange);

  /** A sink that does nothing, for a proxy whose outcomes nobody reads. */
  static OutcomeSink noop() {
    return NoopSink.INSTANCE;
  }

  /** This sink, then {@code next}. */
  default OutcomeSink andThen(OutcomeSink next) {
    return exchange -> {
      accept(exchange);
      next.accept(exchange);
    };
  }
}

enum NoopSink implements OutcomeSink {
  INSTANCE;

  @Override
  public void accept(Exchange exchange) {}
}
