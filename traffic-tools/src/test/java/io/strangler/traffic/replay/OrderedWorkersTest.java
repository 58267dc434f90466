package io.strangler.traffic.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The replayer's workers: one entity's calls in order, others alongside, one worker in order. */
class OrderedWorkersTest {

  @Test
  void oneWorker_runsEveryCallInTheOrderGiven_lanesNotwithstanding() {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch hold = new CountDownLatch(1);
    try (OrderedWorkers workers = new OrderedWorkers(1, "test-worker-")) {
      workers.submit(
          "a",
          () -> {
            waitFor(hold);
            ran.add("a1");
          });
      workers.submit("a", () -> ran.add("a2"));
      workers.submit("b", () -> ran.add("b1"));
      workers.submit("a", () -> ran.add("a3"));
      workers.submit("c", () -> ran.add("c1"));
      hold.countDown();
      await().until(() -> ran.size() == 5);
    }
    assertThat(ran).containsExactly("a1", "a2", "b1", "a3", "c1");
  }

  @Test
  void twoWorkers_letOtherEntitiesPassABusyOne_whileItsCallsWaitInOrder() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch aStarted = new CountDownLatch(1);
    try (OrderedWorkers workers = new OrderedWorkers(2, "test-worker-")) {
      workers.submit(
          "a",
          () -> {
            aStarted.countDown();
            waitFor(hold);
            ran.add("a1");
          });
      assertThat(aStarted.await(10, TimeUnit.SECONDS)).isTrue();
      workers.submit("a", () -> ran.add("a2"));
      workers.submit("b", () -> ran.add("b1"));
      workers.submit("b", () -> ran.add("b2"));
      // a1 holds one worker; a2 waits behind it; b's calls run on the other worker meanwhile.
      await().until(() -> ran.size() == 2);
      assertThat(ran).containsExactly("b1", "b2");
      hold.countDown();
      await().until(() -> ran.size() == 4);
    }
    assertThat(ran).containsExactly("b1", "b2", "a1", "a2");
  }

  @Test
  void twoCallsOfOneEntity_givenWhileEveryWorkerIsBusy_stillRunOneAtATime() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch holding = new CountDownLatch(2);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch bothInside = new CountDownLatch(2);
    List<String> ran = new CopyOnWriteArrayList<>();
    try (OrderedWorkers workers = new OrderedWorkers(2, "test-worker-")) {
      for (String h : List.of("h1", "h2")) {
        workers.submit(
            h,
            () -> {
              holding.countDown();
              waitFor(hold);
            });
      }
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
      // Both workers are busy: the two calls of x are given before either is taken.
      for (String x : List.of("x1", "x2")) {
        workers.submit(
            "x",
            () -> {
              most.accumulateAndGet(inside.incrementAndGet(), Math::max);
              bothInside.countDown();
              // Long enough for a second call of x to come in beside this one, if it could.
              waitFor(bothInside, Duration.ofMillis(500));
              ran.add(x);
              inside.decrementAndGet();
            });
      }
      hold.countDown();
      await().until(() -> ran.size() == 2);
    }
    assertThat(most.get()).isEqualTo(1);
    assertThat(ran).containsExactly("x1", "x2");
  }

  private static void waitFor(CountDownLatch latch, Duration atMost) {
    try {
      latch.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
