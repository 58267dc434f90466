package io.strangler.controlplane;

import io.strangler.api.CallContext;
import io.strangler.api.model.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Call contexts for tests: fresh request ids on a clock that moves a millisecond per call. */
final class Calls {
  static final Topology TOPOLOGY =
      new Topology(Map.of("us", List.of("us-1", "us-2"), "asia", List.of("asia-1")));

  private final String prefix;
  private final Instant start = Instant.parse("2026-11-21T07:00:00Z");
  private final AtomicLong seq = new AtomicLong();

  Calls(String prefix) {
    this.prefix = prefix;
  }

  /** Thread-safe: concurrent callers each get their own request id and instant. */
  CallContext next() {
    long n = seq.incrementAndGet();
    return new CallContext(prefix + "-" + n, start.plusMillis(n));
  }

  CallContext withId(String requestId) {
    return new CallContext(requestId, start.plusMillis(seq.incrementAndGet()));
  }
}
