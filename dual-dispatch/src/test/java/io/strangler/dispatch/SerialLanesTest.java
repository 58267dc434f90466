package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.flags.Mode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialLanesTest {
  private final SerialLanes lanes =
      new SerialLanes(r -> Thread.ofVirtual().name("test-lane").start(r));

  @Test
  void tasksOfOneKey_runOneAtATimeInSubmissionOrder() {
    List<Integer> ran = new CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    for (int i = 0; i < 200; i++) {
      int n = i;
      lanes.submit(
          "e",
          Mode.Backend.NEW,
          () -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.yield();
            ran.add(n);
            running.decrementAndGet();
          });
    }

    await().until(() -> ran.size() == 200);
    assertThat(ran).isSorted();
    assertThat(maxRunning.get()).isEqualTo(1);
    await().until(() -> lanes.busyLanes() == 0);
  }

  @Test
  void tasksOfDifferentKeys_runInParallel() throws InterruptedException {
    CountDownLatch bothStarted = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    Runnable meetThenWait =
        () -> {
          bothStarted.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    lanes.submit("a", Mode.Backend.NEW, meetThenWait);
    lanes.submit("b", Mode.Backend.NEW, meetThenWait);

    assertThat(bothStarted.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown();
    await().until(() -> lanes.busyLanes() == 0);
  }

  @Test
  void submitIfPending_joinsOnlyALaneHoldingACallToThatBackend() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    lanes.submit(
        "e",
        Mode.Backend.NEW,
        () -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ran.add("shadow write");
        });

    boolean legacyJoined = lanes.submitIfPending("e", Mode.Backend.LEGACY, () -> ran.add("legacy"));
    boolean newJoined = lanes.submitIfPending("e", Mode.Backend.NEW, () -> ran.add("new read"));
    boolean idleJoined = lanes.submitIfPending("other", Mode.Backend.NEW, () -> ran.add("x"));
    release.countDown();

    assertThat(legacyJoined).isFalse();
    assertThat(newJoined).isTrue();
    assertThat(idleJoined).isFalse();
    await().until(() -> ran.size() == 2);
    assertThat(ran).containsExactly("shadow write", "new read");
  }

  @Test
  void pendingFor_isTrueWhileACallOfTheKeyToThatBackendRunsOrWaits_forEveryKeyItJoined()
      throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    lanes.submit(
        List.of("repl:r", "machine:m"),
        Mode.Backend.NEW,
        () -> {
          started.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    lanes.submit("repl:r", Mode.Backend.NEW, () -> {});
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(lanes.pendingFor("repl:r", Mode.Backend.NEW)).as("running").isTrue();
    assertThat(lanes.pendingFor("machine:m", Mode.Backend.NEW)).isTrue();
    assertThat(lanes.pendingFor("repl:r", Mode.Backend.LEGACY)).as("other backend").isFalse();
    assertThat(lanes.pendingFor("repl:other", Mode.Backend.NEW)).isFalse();

    release.countDown();
    await().until(() -> !lanes.pendingFor("repl:r", Mode.Backend.NEW));
    assertThat(lanes.pendingFor("machine:m", Mode.Backend.NEW)).isFalse();
  }

  @Test
  void aThrowingTask_doesNotStallItsLane() {
    List<String> ran = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler quiet = (t, e) -> ran.add("reported " + e.getMessage());
    SerialLanes quietLanes =
        new SerialLanes(r -> Thread.ofVirtual().uncaughtExceptionHandler(quiet).start(r));
    quietLanes.submit(
        "e",
        Mode.Backend.NEW,
        () -> {
          throw new IllegalStateException("boom");
        });
    quietLanes.submit("e", Mode.Backend.NEW, () -> ran.add("next"));

    await().until(() -> ran.size() == 2);
    assertThat(ran).containsExactly("reported boom", "next");
  }

  @Test
  void aTaskOfTwoKeys_waitsForBothLanes_andLaterTasksOfEitherWaitForIt()
      throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    lanes.submit(
        "a",
        Mode.Backend.NEW,
        () -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ran.add("a first");
        });
    lanes.submit(List.of("a", "b"), Mode.Backend.NEW, () -> ran.add("a and b"));
    lanes.submit("b", Mode.Backend.NEW, () -> ran.add("b after"));

    assertThat(lanes.busyLanes()).isEqualTo(2);
    assertThat(ran).as("b's lane waits behind the task that also waits for a").isEmpty();
    release.countDown();

    await().until(() -> ran.size() == 3);
    assertThat(ran).containsExactly("a first", "a and b", "b after");
    await().until(() -> lanes.busyLanes() == 0);
  }

  @Test
  void eightThreadsSubmittingOverlappingKeySets_neverDeadlock_andKeepEachKeyExclusiveAndInOrder()
      throws InterruptedException {
    int threads = 8;
    int perThread = 400;
    int keys = 12;
    java.util.concurrent.ConcurrentHashMap<String, AtomicInteger> running =
        new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.ConcurrentHashMap<String, Integer> lastSeen =
        new java.util.concurrent.ConcurrentHashMap<>();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger outOfOrder = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> submitters = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      submitters.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    java.util.Random random = new java.util.Random(id);
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int i = 0; i < perThread; i++) {
                      int seq = i;
                      List<String> set =
                          random
                              .ints(1 + random.nextInt(3), 0, keys)
                              .mapToObj(k -> "k" + k)
                              .distinct()
                              .toList();
                      lanes.submit(
                          set,
                          Mode.Backend.NEW,
                          () -> {
                            for (String k : set) {
                              if (running
                                      .computeIfAbsent(k, x -> new AtomicInteger())
                                      .incrementAndGet()
                                  != 1) {
                                overlaps.incrementAndGet();
                              }
                              Integer prev = lastSeen.put(id + "/" + k, seq);
                              if (prev != null && prev >= seq) {
                                outOfOrder.incrementAndGet();
                              }
                            }
                            Thread.yield();
                            for (String k : set) {
                              running.get(k).decrementAndGet();
                            }
                            done.incrementAndGet();
                          });
                    }
                  }));
    }
    start.countDown();
    for (Thread t : submitters) {
      t.join();
    }

    await().atMost(java.time.Duration.ofSeconds(20)).until(() -> done.get() == threads * perThread);
    assertThat(overlaps.get()).as("two tasks of one key at once").isZero();
    assertThat(outOfOrder.get()).as("a key's tasks out of submission order").isZero();
    await().until(() -> lanes.busyLanes() == 0);
  }
}
