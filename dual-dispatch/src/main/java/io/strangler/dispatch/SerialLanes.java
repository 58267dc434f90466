package io.strangler.dispatch;

import io.strangler.flags.Mode;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * One FIFO lane per entity key: calls of one entity run one at a time, in the order they were
 * submitted; different entities run in parallel. A lane exists only while it has work; its runner
 * is a thread started for it. The number of tasks is bounded by the caller (the shadow budget, and
 * the calls in flight).
 *
 * <p>Each task names the backend it calls. A lane holding a task for a backend is "pending" for
 * it: any later call of that entity to that backend joins the lane instead of overtaking it (see
 * {@link #submitIfPending}).
 *
 * <p>A lane's state is only touched inside {@code ConcurrentHashMap.compute*} for its key, which
 * serialises submitters with the runner. The running task stays at the head of its lane until it
 * is done, so a lane stays pending while its last task runs.
 */
final class SerialLanes {
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private final ThreadFactory runners;

  SerialLanes(ThreadFactory runners) {
    this.runners = runners;
  }

  private record Task(Mode.Backend target, Runnable body) {}

  private static final class Lane {
    final ArrayDeque<Task> tasks = new ArrayDeque<>(4);
    int legacy;
    int newer;

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
    }

    boolean pendingFor(Mode.Backend target) {
      return (target == Mode.Backend.LEGACY ? legacy : newer) > 0;
    }
  }

  /** Appends a call to {@code target} to the key's lane, starting a runner if it was idle. */
  void submit(String key, Mode.Backend target, Runnable body) {
    Task task = new Task(target, body);
    boolean[] started = {false};
    lanes.compute(
        key,
        (k, lane) -> {
          if (lane == null) {
            lane = new Lane();
            started[0] = true;
          }
          lane.add(task);
          return lane;
        });
    if (started[0]) {
      runners.newThread(() -> drain(key)).start();
    }
  }

  /**
   * Appends a call to {@code target} to the key's lane only if the lane already holds a call to
   * that backend, so that it runs after it; false, and nothing queued, otherwise.
   */
  boolean submitIfPending(String key, Mode.Backend target, Runnable body) {
    boolean[] queued = {false};
    lanes.computeIfPresent(
        key,
        (k, lane) -> {
          if (lane.pendingFor(target)) {
            lane.add(new Task(target, body));
            queued[0] = true;
          }
          return lane;
        });
    return queued[0];
  }

  /** Entities with calls queued or running. */
  int busyLanes() {
    return lanes.size();
  }

  private void drain(String key) {
    Runnable[] head = new Runnable[1];
    while (true) {
      lanes.computeIfPresent(
          key,
          (k, lane) -> {
            head[0] = lane.tasks.peekFirst().body;
            return lane;
          });
      try {
        head[0].run();
      } catch (RuntimeException e) {
        // Tasks handle their own failures; one that throws anyway must not stall the lane.
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
      }
      Lane left =
          lanes.computeIfPresent(
              key,
              (k, lane) -> {
                lane.removeHead();
                return lane.tasks.isEmpty() ? null : lane;
              });
      if (left == null) {
        return;
      }
    }
  }
}
