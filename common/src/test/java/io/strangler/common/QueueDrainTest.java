package io.strangler.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QueueDrainTest {

  /** Records what the drain thread is handed, and on which thread. */
  private static class Recorder implements QueueDrain.Handler<Integer> {
    final List<Integer> items = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void handle(List<Integer> batch) {
      threads.add(Thread.currentThread().getName());
      batchSizes.add(batch.size());
      items.addAll(batch);
      events.add("batch");
    }

    @Override
    public void drained() {
      events.add("drained");
    }

    @Override
    public void stopped() {
      threads.add(Thread.currentThread().getName());
      events.add("stopped");
    }
  }

  @Test
  void offer_items_handledInOrderOnTheDrainThread() {
    Recorder r = new Recorder();
    QueueDrain<Integer> drain = QueueDrain.start("test-drain", 1_000, 1, r);
    for (int i = 0; i < 500; i++) {
      assertThat(drain.offer(i)).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 500);
    assertThat(r.items).isSorted().doesNotHaveDuplicates();
    assertThat(r.batchSizes).containsOnly(1);
    assertThat(r.threads).containsOnly("test-drain");
    assertThat(r.events).last().isEqualTo("drained");
    assertThat(drain.close(Duration.ofSeconds(5))).isTrue();
    assertThat(r.events).last().isEqualTo("stopped");
  }

  @Test
  void offer_whileTheHandlerIsBusy_batchesUpToTheBatchSize() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Recorder r =
        new Recorder() {
          @Override
          public void handle(List<Integer> batch) {
            super.handle(batch);
            entered.countDown();
            block(release);
          }
        };
    QueueDrain<Integer> drain = QueueDrain.start("test-drain", 100, 10, r);
    drain.offer(-1);
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 25; i++) {
      assertThat(drain.offer(i)).isTrue();
    }
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 26);
    assertThat(r.batchSizes).containsExactly(1, 10, 10, 5);
    assertThat(r.items).isSorted();
    drain.close(Duration.ofSeconds(5));
  }

  @Test
  void offer_queueFull_refusedWithoutWaiting() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    QueueDrain<Integer> drain =
        QueueDrain.start(
            "test-drain",
            3,
            1,
            batch -> {
              entered.countDown();
              block(release);
            });
    drain.offer(0);
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    List<Boolean> taken = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      taken.add(drain.offer(i));
    }
    assertThat(taken).containsExactly(true, true, true, false, false);
    assertThat(drain.size()).isEqualTo(3);
    assertThat(drain.capacity()).isEqualTo(3);
    release.countDown();
    assertThat(drain.close(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void close_handlesWhatIsQueued_thenRefusesOffers() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    Recorder r =
        new Recorder() {
          @Override
          public void handle(List<Integer> batch) {
            block(release);
            super.handle(batch);
          }
        };
    QueueDrain<Integer> drain = QueueDrain.start("test-drain", 100, 4, r);
    for (int i = 0; i < 20; i++) {
      drain.offer(i);
    }
    Thread closer = Thread.ofPlatform().start(() -> drain.close(Duration.ofSeconds(10)));
    await().atMost(Duration.ofSeconds(5)).until(drain::closing);
    assertThat(drain.offer(99)).isFalse();
    release.countDown();
    closer.join(Duration.ofSeconds(15));

    assertThat(closer.isAlive()).isFalse();
    assertThat(r.items).hasSize(20).isSorted();
    assertThat(r.events).last().isEqualTo("stopped");
  }

  @Test
  void close_handlerStuck_givesUpAtTheTimeoutAndHandsBackWhatIsLeft() {
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    QueueDrain<Integer> drain =
        QueueDrain.start(
            "test-drain",
            100,
            1,
            batch -> {
              try {
                never.await();
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                Thread.currentThread().interrupt();
              }
            });
    for (int i = 0; i < 10; i++) {
      drain.offer(i);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> drain.size() == 9);
    List<Integer> left = new ArrayList<>();

    long start = System.nanoTime();
    boolean finished = drain.close(Duration.ofMillis(200), left::add);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(finished).isFalse();
    assertThat(tookMillis).isBetween(150L, 5_000L);
    assertThat(left).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    await().atMost(Duration.ofSeconds(5)).until(() -> interrupted.get() == 1);
  }

  @Test
  void handle_throws_countedAndTheThreadGoesOn() {
    List<Integer> seen = new CopyOnWriteArrayList<>();
    QueueDrain<Integer> drain =
        QueueDrain.start(
            "test-drain",
            100,
            1,
            batch -> {
              seen.addAll(batch);
              if (batch.get(0) % 2 == 0) {
                throw new IllegalStateException("even");
              }
            });
    for (int i = 0; i < 10; i++) {
      drain.offer(i);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 10);
    assertThat(drain.failures()).isEqualTo(5);
    assertThat(drain.close(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void idle_nothingQueued_calledWhileWaiting_notBetweenBatches() {
    AtomicInteger idle = new AtomicInteger();
    Recorder r =
        new Recorder() {
          @Override
          public void idle() {
            idle.incrementAndGet();
          }
        };
    QueueDrain<Integer> drain = QueueDrain.start("test-drain", 10, 1, r);
    await().atMost(Duration.ofSeconds(5)).until(() -> idle.get() >= 2);
    drain.offer(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> r.items.size() == 1);
    drain.close(Duration.ofSeconds(5));
    assertThat(r.events).containsExactly("batch", "drained", "stopped");
  }

  @Test
  void close_idle_returnsPromptly() {
    QueueDrain<Integer> drain = QueueDrain.start("test-drain", 10, 1, batch -> {});
    long start = System.nanoTime();
    assertThat(drain.close(Duration.ofSeconds(5))).isTrue();
    // One bounded poll at most.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void start_badBounds_refused() {
    assertThatThrownBy(() -> QueueDrain.start("x", 0, 1, batch -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity");
    assertThatThrownBy(() -> QueueDrain.start("x", 1, 0, batch -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize");
  }

  private static void block(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
