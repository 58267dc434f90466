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
  private final SerialLanes lanes = new SerialLanes(Thread.ofVirtual().name("test-lane-", 0).factory());

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
  void aThrowingTask_doesNotStallItsLane() {
    List<String> ran = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler quiet = (t, e) -> ran.add("reported " + e.getMessage());
    SerialLanes quietLanes =
        new SerialLanes(Thread.ofVirtual().uncaughtExceptionHandler(quiet).factory());
    quietLanes.submit("e", Mode.Backend.NEW, () -> { throw new IllegalStateException("boom"); });
    quietLanes.submit("e", Mode.Backend.NEW, () -> ran.add("next"));

    await().until(() -> ran.size() == 2);
    assertThat(ran).containsExactly("reported boom", "next");
  }
}
