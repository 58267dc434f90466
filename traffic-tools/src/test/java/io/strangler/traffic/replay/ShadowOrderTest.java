package io.strangler.traffic.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ShadowOrderTest {
  private final ShadowOrder order = new ShadowOrder();

  @Test
  void aWriteTouchingAnEntity_waitsForTheShadowCallPlacedBeforeIt_andOthersGoAhead()
      throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch stopPlaced = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // A StopContainer's shadow, ordered by its container and repl, is placed and held.
    Thread stop =
        Thread.ofPlatform()
            .start(
                () -> {
                  ShadowOrder.Place p = order.write(List.of("container:c-1", "repl:r-1"));
                  stopPlaced.countDown();
                  awaitLatch(release);
                  ran.add("stop");
                  order.leave(p);
                });
    assertThat(stopPlaced.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order.pending("repl:r-1")).isTrue();
    Thread connect =
        Thread.ofPlatform()
            .start(
                () -> {
                  ShadowOrder.Place p = order.write(List.of("repl:r-1", "machine:m-1"));
                  ran.add("connect");
                  order.leave(p);
                });
    Thread other =
        Thread.ofPlatform()
            .start(
                () -> {
                  ShadowOrder.Place p = order.write(List.of("repl:r-2"));
                  ran.add("other");
                  order.leave(p);
                });
    other.join(Duration.ofSeconds(10));
    assertThat(ran).as("another entity goes ahead").containsExactly("other");
    await().atMost(Duration.ofSeconds(10)).until(() -> order.pending("machine:m-1"));

    release.countDown();
    stop.join(Duration.ofSeconds(10));
    connect.join(Duration.ofSeconds(10));
    assertThat(ran).containsExactly("other", "stop", "connect");
    assertThat(order.pending("repl:r-1")).isFalse();
    assertThat(order.read("repl:r-1")).as("no write placed: a read waits for nothing").isNull();
  }

  @Test
  void eightWorkers_writingSharedEntities_runEachEntitysCallsOneAtATimeInPlacementOrder()
      throws Exception {
    Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();
    Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      int me = w;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 300; i++) {
                      List<String> keys = List.of("repl:" + (i % 3), "machine:" + ((i + me) % 2));
                      ShadowOrder.Place p;
                      int n;
                      synchronized (next) {
                        // Placement order, read under the same lock as the placement is taken.
                        n = next.getAndIncrement();
                        p = order.writeNoWait(keys);
                      }
                      order.awaitTurn(p);
                      for (String k : keys) {
                        if (inside.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet()
                            > 1) {
                          overlaps.incrementAndGet();
                        }
                        seen.computeIfAbsent(k, x -> new CopyOnWriteArrayList<>()).add(n);
                      }
                      for (String k : keys) {
                        inside.get(k).decrementAndGet();
                      }
                      order.leave(p);
                    }
                  }));
    }
    for (Thread t : workers) {
      t.join(Duration.ofSeconds(30));
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(overlaps.get()).isZero();
    seen.values().forEach(list -> assertThat(list).isSorted());
    assertThat(seen.get("repl:0")).hasSize(8 * 100);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
