package io.strangler.traffic.replay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs calls on a fixed set of named worker threads, always the oldest call that may run: a call
 * whose entity has a call running waits in that entity's lane, and later calls of other entities go
 * ahead of it. So calls of one entity run one at a time in the order given, and with one worker
 * every call runs in the order given. The caller bounds how many calls are given and not done.
 */
public final class OrderedWorkers implements AutoCloseable {
  private record Task(long seq, String entity, Runnable body) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final PriorityQueue<Task> ready =
      new PriorityQueue<>((a, b) -> Long.compare(a.seq, b.seq));
  private final Map<String, ArrayDeque<Task>> waiting = new HashMap<>();
  // Entities with a call ready or running: a later call of one waits in its lane. (Counting only
  // running calls let a second call of an entity go ready beside one not yet taken, and both ran.)
  private final Set<String> busy = new HashSet<>();
  private final List<Thread> threads = new ArrayList<>();
  private long next;
  private boolean closed;

  OrderedWorkers(int workers, String namePrefix) {
    for (int i = 0; i < workers; i++) {
      Thread t = Thread.ofPlatform().name(namePrefix + i).daemon(true).unstarted(this::work);
      threads.add(t);
      t.start();
    }
  }

  /** Queues {@code body} for {@code entity}, after every call queued before it for that entity. */
  void submit(String entity, Runnable body) {
    lock.lock();
    try {
      Task t = new Task(next++, entity, body);
      ArrayDeque<Task> lane = waiting.get(entity);
      if (busy.contains(entity) || lane != null) {
        waiting.computeIfAbsent(entity, k -> new ArrayDeque<>()).addLast(t);
      } else {
        busy.add(entity);
        ready.add(t);
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  private void work() {
    while (true) {
      Task t;
      lock.lock();
      try {
        while (ready.isEmpty() && !closed) {
          work.awaitUninterruptibly();
        }
        if (ready.isEmpty()) {
          return;
        }
        t = ready.poll();
      } finally {
        lock.unlock();
      }
      try {
        t.body.run();
      } catch (RuntimeException e) {
        Thread self = Thread.currentThread();
        self.getUncaughtExceptionHandler().uncaughtException(self, e);
      } finally {
        lock.lock();
        try {
          ArrayDeque<Task> lane = waiting.get(t.entity);
          if (lane != null) {
            ready.add(lane.pollFirst()); // the entity stays busy
            if (lane.isEmpty()) {
              waiting.remove(t.entity);
            }
            work.signal();
          } else {
            busy.remove(t.entity);
          }
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** Lets the workers finish what is queued, then stop. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
