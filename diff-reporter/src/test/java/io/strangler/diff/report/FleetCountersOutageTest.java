package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.MissingNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.diff.Classification;
import io.strangler.diff.Verdict;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.PostgresProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fleet counters' writer over a PostgreSQL of the test's own that dies: its minutes are held up
 * to the bound, then the oldest are dropped, and the metrics say so.
 */
class FleetCountersOutageTest {

  private static DiffResult match(String api) {
    return new DiffResult(
        TestCalls.match(api, "req"),
        new Classification(
            Verdict.MATCH, MissingNode.getInstance(), MissingNode.getInstance(), List.of()),
        RecheckResult.NONE,
        T0);
  }

  @Test
  void postgresKilled_minutesPastTheBoundAreDropped_andTheDroppedMetricRises() {
    try (PostgresProcess pg = PostgresProcess.start();
        Telemetry telemetry = Telemetry.create()) {
      PostgresEndpoint db = pg.endpoint();
      HikariConfig hikari = new HikariConfig();
      hikari.setJdbcUrl(db.jdbcUrl());
      hikari.setUsername(db.user());
      hikari.setPassword(db.password());
      hikari.setMaximumPoolSize(2);
      // A dead server fails a flush within a quarter of a second.
      hikari.setConnectionTimeout(250);
      hikari.setInitializationFailTimeout(-1);
      MutableClock clock = new MutableClock(T0);
      try (HikariDataSource pool = new HikariDataSource(hikari);
          FleetCounters counters =
              FleetCounters.open(
                  pool,
                  "i1",
                  clock,
                  // Flushed by the test; three minutes held per API while PostgreSQL is away.
                  new FleetCounters.Options(Duration.ofMinutes(1), 3, Duration.ofDays(1)))) {
        counters.registerMetrics(telemetry.meterProvider());
        counters.onResult(match("GetRepl"));
        counters.flush();
        String before = telemetry.scrape();
        assertThat(DiffMetricsTest.value(before, "strangler_fleet_rows_dropped_total", ""))
            .isEqualTo(0.0);
        assertThat(DiffMetricsTest.value(before, "strangler_fleet_rows_pending", ""))
            .isEqualTo(0.0);

        pg.kill();
        for (int minute = 1; minute <= 5; minute++) {
          clock.advance(Duration.ofMinutes(1));
          counters.onResult(match("GetRepl"));
          counters.onResult(match("CreateRepl"));
          assertThatThrownBy(counters::flush).isInstanceOf(IllegalStateException.class);
        }

        String after = telemetry.scrape();
        // Per API: minutes 1..5 unwritten, three held, the two oldest dropped.
        assertThat(counters.droppedMinutes()).isEqualTo(4);
        assertThat(DiffMetricsTest.value(after, "strangler_fleet_rows_dropped_total", ""))
            .isEqualTo(4.0);
        assertThat(DiffMetricsTest.value(after, "strangler_fleet_flush_failures_total", ""))
            .isEqualTo(5.0);
        assertThat(DiffMetricsTest.value(after, "strangler_fleet_rows_pending", "")).isEqualTo(6.0);
      }
    }
  }
}
