package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.strangler.flags.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AsyncSinkTest {
  private static Exchange exchange(String id) {
    return new Exchange(
        "Get",
        ApiSpec.Kind.READ,
        Mode.SHADOW,
        JsonNodeFactory.instance.objectNode(),
        id,
        Instant.EPOCH,
        new Outcome.Answer(JsonNodeFactory.instance.objectNode(), Duration.ZERO),
        Outcome.NOT_CALLED);
  }

  @Test
  void exchanges_reachTheDelegateInOrderOnItsOwnThread() {
    List<String> seen = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    try (AsyncSink sink =
        new AsyncSink(
            e -> {
              seen.add(e.requestId());
              threads.add(Thread.currentThread().getName());
            },
            16,
            "diff-sink")) {
      for (int i = 0; i < 10; i++) {
        sink.accept(exchange("r" + i));
      }
      await().until(() -> seen.size() == 10);
      assertThat(seen).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
      assertThat(threads).containsOnly("diff-sink");
      assertThat(sink.delivered()).isEqualTo(10);
    }
  }

  @Test
  void aFullQueue_dropsAndCountsWithoutBlockingTheCaller() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch first = new CountDownLatch(1);
    try (AsyncSink sink =
        new AsyncSink(
            e -> {
              first.countDown();
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
              }
            },
            2,
            "slow-sink")) {
      sink.accept(exchange("held"));
      assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 5; i++) {
        sink.accept(exchange("r" + i));
      }

      assertThat(sink.dropped()).isEqualTo(3);
      release.countDown();
      await().until(() -> sink.delivered() == 3);
    }
  }

  @Test
  void aThrowingDelegate_isCountedAndTheNextExchangeStillDelivered() {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (AsyncSink sink =
        new AsyncSink(
            e -> {
              if (e.requestId().equals("bad")) {
                throw new IllegalStateException("diff failed");
              }
              seen.add(e.requestId());
            },
            4,
            "sink")) {
      sink.accept(exchange("bad"));
      sink.accept(exchange("good"));

      await().until(() -> seen.size() == 1);
      assertThat(sink.failed()).isEqualTo(1);
    }
  }

  @Test
  void close_delegateStuck_givesUpAtTheTimeout_andCountsWhatIsLeftAsDropped()
      throws InterruptedException {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    AsyncSink sink =
        new AsyncSink(
            e -> {
              first.countDown();
              try {
                never.await();
              } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
              }
            },
            8,
            "stuck-sink");
    sink.accept(exchange("held"));
    assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 3; i++) {
      sink.accept(exchange("r" + i));
    }

    assertThat(sink.close(Duration.ofMillis(200))).isFalse();
    assertThat(sink.dropped()).isEqualTo(3);
    sink.accept(exchange("late"));
    assertThat(sink.dropped()).isEqualTo(4);
  }
}
