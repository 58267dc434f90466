package io.strangler.dispatch.testing;

import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.OutcomeSink;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A sink that keeps every exchange, for tests to look at. */
public final class RecordingSink implements OutcomeSink {
  private final ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();

  @Override
  public void accept(Exchange exchange) {
    exchanges.add(exchange);
  }

  public List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  public int size() {
    return exchanges.size();
  }

  /** The exchange of one request id, or null. */
  public Exchange byRequestId(String requestId) {
    for (Exchange e : exchanges) {
      if (e.requestId().equals(requestId)) {
        return e;
      }
    }
    return null;
  }

  public void clear() {
    exchanges.clear();
  }
}
