package io.strangler.api.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Runs one call from several threads released together, and records how each ended and how long it
 * took: for fault tests, which check that every caller of a broken store is answered UNAVAILABLE,
 * and soon.
 */
public final class ConcurrentCalls {
  /** How one caller's call ended: an answer or an error, after {@code took}. */
  public record Ended(Object answer, Throwable error, Duration took) {
    @Override
    public String toString() {
      return (error != null ? error.toString() : "answered " + answer) + " after " + took;
    }
  }

  private ConcurrentCalls() {}

  /**
   * Calls {@code call.apply(i)} for i in 0..callers-1, each on its own thread, all released at
   * once. Fails if they have not all ended within {@code atMost}.
   */
  public static List<Ended> run(int callers, IntFunction<?> call, Duration atMost)
      throws Exception {
    AtomicInteger names = new AtomicInteger();
    ExecutorService threads =
        Executors.newFixedThreadPool(
            callers, r -> new Thread(r, "caller-" + names.incrementAndGet()));
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Ended>> futures = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        int n = i;
        futures.add(
            threads.submit(
                () -> {
                  go.await();
                  long start = System.nanoTime();
                  try {
                    Object answer = call.apply(n);
                    return new Ended(answer, null, Duration.ofNanos(System.nanoTime() - start));
                  } catch (RuntimeException e) {
                    return new Ended(null, e, Duration.ofNanos(System.nanoTime() - start));
                  }
                }));
      }
      go.countDown();
      long deadline = System.nanoTime() + atMost.toNanos();
      List<Ended> ended = new ArrayList<>();
      for (Future<Ended> f : futures) {
        ended.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return ended;
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Asserts that every call ended UNAVAILABLE (never INTERNAL, never an answer), with a message
   * that starts with {@code messagePrefix} and contains {@code reason}, within {@code within}.
   */
  public static void assertAllUnavailable(
      List<Ended> ended, String messagePrefix, String reason, Duration within) {
    assertThat(ended).isNotEmpty();
    for (Ended e : ended) {
      assertThat(e.error())
          .as("%s", e)
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              c -> {
                assertThat(c.code()).as("%s", e).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(c.getMessage()).startsWith(messagePrefix).contains(reason);
              });
      assertThat(e.took()).as("%s", e).isLessThanOrEqualTo(within);
    }
  }
}
