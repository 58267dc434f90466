package io.strangler.dispatch.testing;

import io.strangler.dispatch.Backend;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend whose calls block until the test opens its gate, so a test can hold calls in flight
 * and look at the proxy meanwhile. A call that waits more than a minute gives up (UNAVAILABLE),
 * so a failing test cannot hang the build.
 */
public final class GatedBackend implements Backend {
  private final Backend inner;
  private final CountDownLatch gate = new CountDownLatch(1);
  private final AtomicInteger entered = new AtomicInteger();

  public GatedBackend(Backend inner) {
    this.inner = inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Reply call(String operation, Prepared request, Stamp stamp) {
    entered.incrementAndGet();
    try {
      if (!gate.await(1, TimeUnit.MINUTES)) {
        return Reply.unavailable(inner.name() + ": the test never opened the gate");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Reply.unavailable(inner.name() + " was interrupted");
    }
    return inner.call(operation, request, stamp);
  }

  /** Calls that reached the gate. */
  public int entered() {
    return entered.get();
  }

  public void open() {
    gate.countDown();
  }

  @Override
  public boolean ready() {
    return inner.ready();
  }
}
