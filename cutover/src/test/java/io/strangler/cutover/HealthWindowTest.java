package io.strangler.cutover;

import static io.strangler.cutover.Exchanges.newPrimary;
import static io.strangler.cutover.Exchanges.notFound;
import static io.strangler.cutover.Exchanges.ok;
import static io.strangler.cutover.Exchanges.unavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.strangler.dispatch.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class HealthWindowTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-12-03T10:00:00.500Z"));
  private final HealthWindow window = new HealthWindow(Duration.ofSeconds(10), clock);

  @Test
  void stats_countBackendFaultsAndTimeouts_notTheCallersErrors() {
    window.accept(newPrimary("GetRepl", unavailable(5), ok(5)));
    window.accept(newPrimary("GetRepl", notFound(5), notFound(5)));
    window.accept(newPrimary("GetRepl", ok(5), new Outcome.TimedOut(Duration.ofMillis(500))));
    window.accept(
        newPrimary("GetRepl", ok(5), new Outcome.Dropped(Outcome.DropReason.SHADOW_BUDGET_FULL)));

    HealthWindow.Stats s = window.stats("GetRepl");

    assertThat(s.newer())
        .extracting(BackendHealth::calls, BackendHealth::errors, BackendHealth::timeouts)
        .containsExactly(4L, 1L, 0L);
    assertThat(s.newer().errorRatePercent()).isEqualTo(25.0);
    assertThat(s.legacy())
        .extracting(BackendHealth::calls, BackendHealth::errors, BackendHealth::timeouts)
        .containsExactly(3L, 0L, 1L);
  }

  @Test
  void p99_isWithinTenPercentOfTheTrueValue() {
    for (int i = 0; i < 1000; i++) {
      window.accept(newPrimary("GetRepl", ok(i < 985 ? 5 : 305), ok(5)));
    }

    HealthWindow.Stats s = window.stats("GetRepl");

    assertThat(s.newer().p99Ms()).isCloseTo(305, within(31.0));
    assertThat(s.legacy().p99Ms()).isCloseTo(5, within(0.6));
  }

  @Test
  void stats_forgetCallsOlderThanTheWindow() {
    window.accept(newPrimary("GetRepl", unavailable(5), ok(5)));
    clock.advance(Duration.ofSeconds(9));
    window.accept(newPrimary("GetRepl", ok(5), ok(5)));
    assertThat(window.stats("GetRepl").newer().calls()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(1));

    assertThat(window.stats("GetRepl").newer())
        .extracting(BackendHealth::calls, BackendHealth::errors)
        .containsExactly(1L, 0L);
    assertThat(window.stats("Unknown"))
        .extracting(HealthWindow.Stats::newer)
        .isEqualTo(BackendHealth.NONE);
  }

  @Test
  void accept_eightConcurrentWriters_loseNoCall() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  window.accept(
                      newPrimary("GetRepl", i % 100 == 0 ? unavailable(5) : ok(5), ok(5)));
                }
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    assertThat(window.stats("GetRepl").newer())
        .extracting(BackendHealth::calls, BackendHealth::errors)
        .containsExactly(80_000L, 800L);
  }
}
