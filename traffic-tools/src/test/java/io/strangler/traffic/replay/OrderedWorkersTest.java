package io.strangler.traffic.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
