package io.strangler.dispatch.testing;

import io.strangler.dispatch.Backend;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** A backend made slow: each call waits a delay, then runs on the wrapped backend. */
public final class DelayingBackend implements Backend {
  private final Backend inner;
  private final Supplier<Duration> delay;
  private final Predicate<String> operations;

  public DelayingBackend(Backend inner, Duration delay) {
    this(inner, () -> delay);
  }

  /** A delay drawn per call, for example at random. */
  public DelayingBackend(Backend inner, Supplier<Duration> delay) {
    this(inner, delay, op -> true);
  }

  private DelayingBackend(Backend inner, Supplier<Duration> delay, Predicate<String> operations) {
    this.inner = inner;
    this.delay = delay;
    this.operations = operations;
  }

  /** Slows one operation only; the others run at the wrapped backend's speed. */
  public static DelayingBackend onlyFor(String operation, Backend inner, Duration delay) {
    return new DelayingBackend(inner, () -> delay, operation::equals);
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Reply call(String operation, Prepared request, Stamp stamp) {
    if (!operations.test(operation)) {
      return inner.call(operation, request, stamp);
    }
    try {
      Thread.sleep(delay.get()); // the simulated latency of a slow store
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Reply.unavailable(inner.name() + " was interrupted");
    }
    return inner.call(operation, request, stamp);
  }

  @Override
  public boolean ready() {
    return inner.ready();
  }
}
