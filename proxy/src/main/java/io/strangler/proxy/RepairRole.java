package io.strangler.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.api.ControlApiJson;
import io.strangler.dispatch.repair.EntityRepair;
import io.strangler.dispatch.repair.FleetRepairs;
import io.strangler.dispatch.repair.Lease;
import io.strangler.dispatch.repair.RepairJournal;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.dispatch.repair.SharedRepairQueue;
import io.strangler.endpoints.PostgresEndpoint;
import java.time.Clock;
import java.util.OptionalLong;

/**
 * Who repairs what this instance journals, chosen once when the proxy starts (docs/convergence.md,
 * "Repairs in a fleet"): {@link Local}, this instance's own repairer on its own journal (one proxy,
 * {@code demo}); or {@link Shared}, the journal forwarded into the fleet's queue in PostgreSQL and
 * repaired by whichever instance holds the repairer lease. The proxy's threads never see the
 * difference: both take the journal's entries off the client's path.
 */
sealed interface RepairRole extends AutoCloseable {
  ObjectMapper JSON = ControlApiJson.mapper();

  /** The repairer of this instance (in a fleet, idle while another instance holds the lease). */
  Repairer repairer();

  /**
   * Repairs waiting, for the cut-over gates: this journal's, and in a fleet what waits in the
   * shared queue too; empty while that cannot be read.
   */
  OptionalLong pending(RepairJournal.Stats journal);

  /** Adds the role's fields to {@code /admin/repairs} and to readiness' {@code repairs}. */
  void describe(ObjectNode out);

  /** The role's metrics; closing the answer removes them. */
  AutoCloseable registerMetrics(MeterProvider meters);

  @Override
  void close();

  /** Without a fleet: {@code fleet} null. With one: forwarding, the lease and the shared queue. */
  static RepairRole start(
      RepairWiring.SharedRepairs fleet,
      PostgresEndpoint postgres,
      RepairJournal journal,
      EntityRepair repair,
      Repairer.Config config,
      Clock clock) {
    if (fleet == null) {
      return new Local(new Repairer(journal, repair, config, clock));
    }
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("strangler-repair-fleet");
    hikari.setJdbcUrl(postgres.jdbcUrl());
    hikari.setUsername(postgres.user());
    hikari.setPassword(postgres.password());
    // The lease's renewals, the forwarder (and its status reads), the repairer's claims.
    hikari.setMaximumPoolSize(3);
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(2_000);
    // Starts without PostgreSQL: the journal keeps the entries until it answers.
    hikari.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(hikari);
    try {
      return new Shared(
          FleetRepairs.start(
              pool, journal, repair, config, fleet.instance(), fleet.options(), clock),
          pool);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** This instance repairs its own journal. */
  record Local(Repairer repairer) implements RepairRole {
    @Override
    public OptionalLong pending(RepairJournal.Stats journal) {
      return OptionalLong.of(journal.pending());
    }

    @Override
    public void describe(ObjectNode out) {}

    @Override
    public AutoCloseable registerMetrics(MeterProvider meters) {
      return () -> {};
    }

    @Override
    public void close() {
      repairer.close();
    }
  }

  /** The fleet repairs from its shared queue, one lease holder at a time. */
  record Shared(FleetRepairs fleet, HikariDataSource pool) implements RepairRole {
    @Override
    public Repairer repairer() {
      return fleet.repairer();
    }

    @Override
    public OptionalLong pending(RepairJournal.Stats journal) {
      OptionalLong shared = fleet.fleetPending();
      return shared.isPresent()
          ? OptionalLong.of(journal.pending() + shared.getAsLong())
          : OptionalLong.empty();
    }

    @Override
    public void describe(ObjectNode out) {
      FleetRepairs.Status s = fleet.status();
      ObjectNode f = out.putObject("fleet");
      f.put("holder", s.self());
      f.put("holdsRepairerRole", s.holder());
      ObjectNode leader = f.putObject("repairer");
      s.leader()
          .ifPresentOrElse(
              (Lease.Holding h) -> {
                leader.put("holder", h.holder());
                leader.put("instance", instanceOf(h.holder()));
                leader.put("token", h.token());
                leader.put("since", h.acquiredAt().toString());
                leader.put("expiresAt", h.expiresAt().toString());
                leader.put("live", h.live());
              },
              () -> leader.putNull("holder"));
      SharedRepairQueue.Status q = s.queue();
      OptionalLong pending = fleet.fleetPending();
      if (pending.isPresent()) {
        f.put("pending", pending.getAsLong());
      } else {
        f.putNull("pending");
      }
      f.put("claimed", q == null ? 0 : q.claimed());
      f.put("oldest", q == null || q.oldest() == null ? null : q.oldest().toString());
      f.set(
          "pendingByApi",
          JSON.valueToTree(q == null ? java.util.Map.of() : q.pendingByOperation()));
      f.put("asOf", s.asOf() == null ? null : s.asOf().toString());
      f.put("problem", s.problem());
      f.put("forwarded", s.forwarded());
      f.put("skippedAsForwarded", s.skipped());
      f.put("completed", s.completed());
      f.put("requeued", s.requeued());
      f.put("fenced", s.fenced());
    }

    /** The instance id in a holder name {@code instance/run}. */
    static String instanceOf(String holder) {
      int slash = holder.lastIndexOf('/');
      return slash < 0 ? holder : holder.substring(0, slash);
    }

    @Override
    public AutoCloseable registerMetrics(MeterProvider meters) {
      return fleet.registerMetrics(meters);
    }

    @Override
    public void close() {
      try {
        fleet.close();
      } finally {
        pool.close();
      }
    }
  }
}
