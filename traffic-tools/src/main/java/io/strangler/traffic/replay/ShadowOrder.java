package io.strangler.traffic.replay;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process target's shadow calls in the order the proxy gives them (its per-entity lanes,
 * docs/control-api.md, "Routing and ordering keys"): a write's shadow call takes a place behind
 * every shadow call already placed for any entity it touches (its ordering keys, named from the
 * request and the authoritative answer) as soon as its authoritative call has answered, and runs
 * once it is first in each; a read's shadow call waits behind the shadow writes of its entity when
 * there are any. So a StopContainer and the next ConnectRepl of the same repl, sent by two workers,
 * reach the shadow store in the order the authoritative store took them, as through the proxy.
 *
 * <p>Places are taken under one lock for all keys, so two calls sharing keys are in the same order
 * in each: none waits for another that waits for it. Each place is held by the worker that runs the
 * call, which waits for nothing else, so every wait ends; it is bounded all the same.
 */
final class ShadowOrder {
  private static final Logger log = LoggerFactory.getLogger(ShadowOrder.class);
  private static final Duration MAX_WAIT = Duration.ofSeconds(30);

  /** One shadow call's places. */
  static final class Place {
    private final List<String> keys;

    private Place(List<String> keys) {
      this.keys = keys;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition moved = lock.newCondition();
  private final Map<String, ArrayDeque<Place>> queues = new HashMap<>();

  /** A write's shadow call: behind every call placed for any of {@code keys}; waits its turn. */
  Place write(Collection<String> keys) {
    return enter(keys.stream().distinct().toList(), false);
  }

  /** A read's shadow call: behind the calls placed for {@code key}, if any; else null at once. */
  Place read(String key) {
    return enter(List.of(key), true);
  }

  private Place enter(List<String> keys, boolean onlyIfQueued) {
    Place p = place(keys, onlyIfQueued);
    if (p != null) {
      awaitTurn(p);
    }
    return p;
  }

  /** A write's place, without waiting for its turn (tests: placement and turn apart). */
  Place writeNoWait(Collection<String> keys) {
    return place(keys.stream().distinct().toList(), false);
  }

  private Place place(List<String> keys, boolean onlyIfQueued) {
    lock.lock();
    try {
      if (onlyIfQueued && !queues.containsKey(keys.getFirst())) {
        return null;
      }
      Place p = new Place(keys);
      for (String k : keys) {
        queues.computeIfAbsent(k, x -> new ArrayDeque<>(2)).addLast(p);
      }
      return p;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until {@code p} is first for each of its keys (bounded: then it goes anyway). */
  void awaitTurn(Place p) {
    lock.lock();
    try {
      long left = MAX_WAIT.toNanos();
      while (!first(p)) {
        if (left <= 0) {
          log.warn("a shadow call waited {} for the calls before it; sent anyway", MAX_WAIT);
          return;
        }
        try {
          left = moved.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean first(Place p) {
    for (String k : p.keys) {
      if (queues.get(k).peekFirst() != p) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a shadow call of {@code key} is placed (waiting or running): what a repair waits for.
   */
  boolean pending(String key) {
    lock.lock();
    try {
      return queues.containsKey(key);
    } finally {
      lock.unlock();
    }
  }

  /** The shadow call is done: the calls behind it may go. */
  void leave(Place p) {
    if (p == null) {
      return;
    }
    lock.lock();
    try {
      for (String k : p.keys) {
        ArrayDeque<Place> q = queues.get(k);
        q.remove(p);
        if (q.isEmpty()) {
          queues.remove(k);
        }
      }
      moved.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
