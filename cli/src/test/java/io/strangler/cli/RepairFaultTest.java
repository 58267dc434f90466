package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.model.Topology;
import io.strangler.convergence.DriftReport;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.Mode;
import io.strangler.servers.PostgresProcess;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shadow store stops answering for 20 s while the proxy serves a mixed write load from eight
 * clients, then comes back. With no manual step, the stores converge: within 60 s of its return a
 * drift scan of every entity finds no difference, and every write the proxy acknowledged is in both
 * stores. Once in SHADOW with the new PostgreSQL frozen (SIGSTOP), once in NEW_PRIMARY with the
 * legacy Redis frozen. Both stores are servers of the test's own; the repairer runs with the
 * defaults of {@code strangler serve}.
 */
@ExtendWith(RealServers.class)
class RepairFaultTest {
  private static final int CLIENTS = 8;

  /** Calls a second over all clients, as in the measurement. */
  private static final int RATE = 300;

  private static final Duration OUTAGE = Duration.ofSeconds(20);
  private static final Duration AFTER = Duration.ofSeconds(5);
  private static final Duration CONVERGED_WITHIN = Duration.ofSeconds(60);
  private static final Topology TOPOLOGY = Topology.sample(2, 2);

  private final PostgresDb audit;

  @TempDir Path dir;

  RepairFaultTest(PostgresDb audit) {
    this.audit = audit;
  }

  @Test
  void inShadow_postgresFrozenFor20s_theStoresConvergeWithin60sOfItsReturn() throws Exception {
    try (PostgresProcess pg = PostgresProcess.start(60);
        RedisProcess redis = RedisProcess.start()) {
      PostgresEndpoint store = pg.endpoint().createDatabase("repairs");
      outage(Mode.SHADOW, redis.endpoint().uri(0), store, pg::pause, pg::resume);
    }
  }

  @Test
  void inNewPrimary_redisFrozenFor20s_theStoresConvergeWithin60sOfItsReturn() throws Exception {
    try (PostgresProcess pg = PostgresProcess.start(60);
        RedisProcess redis = RedisProcess.start()) {
      PostgresEndpoint store = pg.endpoint().createDatabase("repairs");
      outage(Mode.NEW_PRIMARY, redis.endpoint().uri(0), store, redis::pause, redis::resume);
    }
  }

  private void outage(
      Mode mode, String redisUrl, PostgresEndpoint store, Runnable freeze, Runnable resume)
      throws Exception {
    try (RepairHarness h =
        RepairHarness.start(
            redisUrl,
            store,
            audit.database(),
            dir,
            mode,
            TOPOLOGY,
            b -> b,
            Repairer.Config.defaults())) {
      WriteLoad load = new WriteLoad(h, TOPOLOGY, CLIENTS, RATE);
      load.prepare();
      load.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> load.acked.sum() >= 500);

      long frozenAt = System.nanoTime();
      freeze.run();
      try {
        // The outage lasts OUTAGE; meanwhile the authoritative side keeps acknowledging writes
        // and the journal records the shadow writes that do not land.
        long ackedAtFreeze = load.acked.sum();
        await()
            .atMost(OUTAGE.plusSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> System.nanoTime() - frozenAt >= OUTAGE.toNanos());
        assertThat(load.acked.sum())
            .as("writes acknowledged during the outage")
            .isGreaterThan(ackedAtFreeze + 100);
      } finally {
        resume.run();
      }
      long resumedAt = System.nanoTime();
      JsonNode atResume = h.adminJson("/admin/repairs");
      assertThat(atResume.path("recorded").asLong())
          .as("shadow writes journaled during the outage: " + atResume)
          .isPositive();

      long ackedAtResume = load.acked.sum();
      await()
          .atMost(AFTER.plusSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  System.nanoTime() - resumedAt >= AFTER.toNanos()
                      && load.acked.sum() > ackedAtResume);
      load.stop();

      AtomicReference<DriftReport> last = new AtomicReference<>();
      try {
        await()
            .atMost(CONVERGED_WITHIN.minusNanos(System.nanoTime() - resumedAt))
            .pollInterval(Duration.ofSeconds(1))
            .ignoreExceptions()
            .until(
                () -> {
                  DriftReport scan = h.scan();
                  last.set(scan);
                  return !scan.hasDrift();
                });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(diagnose(h, mode, last.get()), e);
      }
      Duration converged = Duration.ofNanos(System.nanoTime() - resumedAt);

      JsonNode repairs = h.adminJson("/admin/repairs");
      System.out.printf(
          "%s, shadow store frozen %d s: %s; journal recorded %d, repaired %d, already equal %d, retried %d, failed %d; "
              + "0 differences over %d entities %.1f s after the store returned%n",
          mode,
          OUTAGE.toSeconds(),
          load.summary(),
          repairs.path("recorded").asLong(),
          repairs.path("repaired").asLong(),
          repairs.path("alreadyEqual").asLong(),
          repairs.path("retried").asLong(),
          repairs.path("failed").asLong(),
          scanned(last.get()),
          converged.toMillis() / 1000.0);

      assertThat(load.internal).as("no call answered 500").isEmpty();
      assertThat(repairs.path("repaired").asLong()).as(repairs.toString()).isPositive();
      assertThat(repairs.path("failed").asLong()).as(repairs.toString()).isZero();
      assertThat(repairs.path("needsDriftScan")).as("no entry lost").isEmpty();
      assertThat(
              repairs.path("lost").path("queueFull").asLong()
                  + repairs.path("lost").path("fileFull").asLong())
          .isZero();
      load.assertHeldBy(h.legacyView, "legacy");
      load.assertHeldBy(h.newView, "new");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> h.adminJson("/admin/repairs").path("pending").asLong() == 0);
    }
  }

  /**
   * What differs, what the journal and repairer say, and what a sync of the first few would change
   * now.
   */
  private static String diagnose(RepairHarness h, Mode mode, DriftReport scan) {
    StringBuilder b =
        new StringBuilder("the stores did not converge within " + CONVERGED_WITHIN + "\n");
    b.append("/admin/repairs: ").append(h.adminJson("/admin/repairs")).append('\n');
    if (scan == null) {
      return b.toString();
    }
    io.strangler.convergence.Side from =
        mode.authoritative() == Mode.Backend.LEGACY
            ? io.strangler.convergence.Side.LEGACY
            : io.strangler.convergence.Side.NEW;
    int shown = 0;
    for (var e : scan.types().entrySet()) {
      for (DriftReport.Example x : e.getValue().examples()) {
        if (shown++ >= 5) {
          break;
        }
        io.strangler.convergence.EntityRef ref =
            new io.strangler.convergence.EntityRef(e.getKey(), x.id());
        String detail = x.diffs().toString();
        b.append(ref)
            .append(' ')
            .append(x.kind())
            .append(' ')
            .append(detail, 0, Math.min(600, detail.length()))
            .append('\n');
        b.append("  plan now: ").append(h.stores.sync().plan(ref, from)).append('\n');
      }
    }
    b.append(scan.toText(), 0, Math.min(2000, scan.toText().length()));
    return b.toString();
  }

  private static long scanned(DriftReport r) {
    return r.types().values().stream().mapToLong(DriftReport.TypeReport::scanned).sum();
  }
}
