package io.strangler.dispatch.testing;

import io.strangler.dispatch.Backend;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend that counts its calls and keeps the stamps it was given. */
public final class CountingBackend implements Backend {
  private final Backend inner;
  private final AtomicInteger calls = new AtomicInteger();
  private final ConcurrentLinkedQueue<Stamp> stamps = new ConcurrentLinkedQueue<>();

  public CountingBackend(Backend inner) {
    this.inner = inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Reply call(String operation, Prepared request, Stamp stamp) {
    calls.incrementAndGet();
    stamps.add(stamp);
    return inner.call(operation, request, stamp);
  }

  public int calls() {
    return calls.get();
  }

  public List<Stamp> stamps() {
    return List.copyOf(stamps);
  }

  public void reset() {
    calls.set(0);
    stamps.clear();
  }

  @Override
  public boolean ready() {
    return inner.ready();
  }
}
