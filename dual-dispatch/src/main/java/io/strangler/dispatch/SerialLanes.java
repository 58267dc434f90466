package io.strangler.dispatch;

import io.strangler.flags.Mode;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One FIFO lane per entity key: calls of one entity run one at a time, in the order they were
 * submitted; different entities run in parallel. A call may name several keys (a write that touches
 * a repl and a machine): it then runs only once it is at the head of every lane it joined, and each
 * of those lanes waits for it. A lane exists only while it has work.
 *
 * <p>Each task names the backend it calls. A lane holding a task for a backend is "pending" for it:
 * any later call of that entity to that backend joins the lane instead of overtaking it (see {@link
 * #submitIfPending}).
 *
 * <p>A lane's state is only touched inside {@code ConcurrentHashMap.compute*} for its key. A task
 * of several keys joins its lanes under one lock, so any two such tasks are in the same order in
 * every lane they share: no two tasks can wait for each other. The running task stays at the head
 * of its lanes until it is done, so a lane stays pending while its last task runs. Each task is
 * handed to the executor at most once (a runner that frees exactly one task runs it itself), so the
 * executor sees at most as many tasks as the caller admitted.
 */
final class SerialLanes {
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private final Executor runners;
  private final Object joining = new Object();

  /** {@code runners} must accept every task: the caller bounds their number. */
  SerialLanes(Executor runners) {
    this.runners = runners;
  }

  private static final class Task {
    final Mode.Backend target;
    final Runnable body;
    final Object keys; // a String, or a String[] of distinct keys
    final AtomicInteger lanesToReach;
    boolean readyOnJoin;

    Task(Mode.Backend target, Runnable body, Object keys, int lanes) {
      this.target = target;
      this.body = body;
      this.keys = keys;
      this.lanesToReach = new AtomicInteger(lanes);
    }

    /** This task reached the head of one more of its lanes; true when that was the last. */
    boolean reachedHead() {
      return lanesToReach.decrementAndGet() == 0;
    }
  }

  private static final class Lane {
    final ArrayDeque<Task> tasks = new ArrayDeque<>(4);
    int legacy;
    int newer;
    // Set by compute() for its caller: the head after the running task was removed.
    Task next;

    void add(Task t) {
      tasks.addLast(t);
      if (t.target == Mode.Backend.LEGACY) {
        legacy++;
      } else {
        newer++;
      }
    }

    void removeHead() {
      Task t = tasks.pollFirst();
      if (t.target == Mode.Backend.LEGACY) {
        legacy--;
      } else {
        newer--;
      }
      next = tasks.peekFirst();
    }

    boolean pendingFor(Mode.Backend target) {
      return (target == Mode.Backend.LEGACY ? legacy : newer) > 0;
    }
  }

  /** Appends a call to {@code target} to the key's lane, starting it if the lane was idle. */
  void submit(String key, Mode.Backend target, Runnable body) {
    Task task = new Task(target, body, key, 1);
    if (join(key, task)) {
      start(task);
    }
  }

  /**
   * Appends a call to {@code target} to the lane of each key; it runs after every call already in
   * any of those lanes, and every later call of any of them runs after it.
   */
  void submit(Collection<String> keys, Mode.Backend target, Runnable body) {
    String[] distinct = keys.stream().distinct().toArray(String[]::new);
    if (distinct.length == 1) {
      submit(distinct[0], target, body);
      return;
    }
    if (distinct.length == 0) {
      throw new IllegalArgumentException("a call must name at least one key");
    }
    Task task = new Task(target, body, distinct, distinct.length);
    boolean ready = false;
    synchronized (joining) {
      for (String key : distinct) {
        ready |= join(key, task);
      }
    }
    if (ready) {
      start(task);
    }
  }

  /** Adds the task to the key's lane; true when that made it ready to run. */
  private boolean join(String key, Task task) {
    lanes.compute(
        key,
        (k, lane) -> {
          Lane l = lane == null ? new Lane() : lane;
          if (l.tasks.isEmpty() && task.reachedHead()) {
            // Only the thread whose decrement reached zero reads this, and it is this one.
            task.readyOnJoin = true;
          }
          l.add(task);
          return l;
        });
    return task.readyOnJoin;
  }

  /**
   * Appends a call to {@code target} to the key's lane only if the lane already holds a call to
   * that backend, so that it runs after it; false, and nothing queued, otherwise.
   */
  boolean submitIfPending(String key, Mode.Backend target, Runnable body) {
    // Most calls find no lane (always so in the single-backend modes): a lock-free look first,
    // without allocating. A lane created just after this look belongs to a write whose client has
    // not been answered yet, so this call may run beside it, as it could a moment earlier.
    if (!lanes.containsKey(key)) {
      return false;
    }
    boolean[] queued = {false};
    lanes.computeIfPresent(
        key,
        (k, lane) -> {
          if (lane.pendingFor(target)) {
            lane.add(new Task(target, body, key, 1));
            queued[0] = true;
          }
          return lane;
        });
    return queued[0];
  }

  /**
   * Whether the key's lane holds a call to {@code target}, queued or running. The lane is read
   * under its key's lock, as every change of it is made (the asker pays for it, not the calls).
   */
  boolean pendingFor(String key, Mode.Backend target) {
    if (!lanes.containsKey(key)) {
      return false;
    }
    boolean[] pending = {false};
    lanes.computeIfPresent(
        key,
        (k, lane) -> {
          pending[0] = lane.pendingFor(target);
          return lane;
        });
    return pending[0];
  }

  /** Entities with calls queued or running. */
  int busyLanes() {
    return lanes.size();
  }

  private void start(Task task) {
    runners.execute(() -> runFrom(task));
  }

  /** Runs the task, then each task it freed: one inline, the others on their own runners. */
  private void runFrom(Task first) {
    Task task = first;
    while (task != null) {
      try {
        task.body.run();
      } catch (RuntimeException e) {
        // Tasks handle their own failures; one that throws anyway must not stall its lanes.
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
      }
      task = release(task);
    }
  }

  /**
   * Removes a finished task from its lanes; returns one task that became ready (others started).
   */
  private Task release(Task done) {
    Task inline = null;
    if (done.keys instanceof String key) {
      Task next = leave(key);
      if (next != null && next.reachedHead()) {
        inline = next;
      }
      return inline;
    }
    for (String key : (String[]) done.keys) {
      Task next = leave(key);
      if (next != null && next.reachedHead()) {
        if (inline == null) {
          inline = next;
        } else {
          start(next);
        }
      }
    }
    return inline;
  }

  /** Takes the head off the key's lane; returns the new head, if any. */
  private Task leave(String key) {
    Task[] next = new Task[1];
    lanes.computeIfPresent(
        key,
        (k, lane) -> {
          lane.removeHead();
          next[0] = lane.next;
          return lane.tasks.isEmpty() ? null : lane;
        });
    return next[0];
  }
}
