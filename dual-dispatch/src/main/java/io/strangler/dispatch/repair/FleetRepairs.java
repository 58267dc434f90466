package io.strangler.dispatch.repair;

import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.common.RateLimitedLog;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repairs of one instance of a fleet that shares a PostgreSQL: its {@link RepairJournal} stays
 * the durable buffer (it must survive that PostgreSQL being the store that is down), and one thread
 * forwards its entries into the {@link SharedRepairQueue} whenever PostgreSQL answers, then commits
 * them in the journal; a {@link Repairer} works through the shared queue only while this instance
 * holds the repairer {@link Lease}. So one instance at a time repairs, for the whole fleet, and
 * when it dies another takes the lease over within {@code ttl + renewEvery} and repairs what was
 * waiting, the dead one's forwarded entries included.
 *
 * <p>The same thread refreshes, every {@link Options#statusEvery()}, what the admin routes and
 * metrics show of the fleet (who holds the lease, what waits in the queue): they never wait on the
 * database.
 */
public final class FleetRepairs implements AutoCloseable {
  /** The lease's name in {@code strangler_lease}. */
  public static final String LEASE = "repairer";

  private static final Logger log = LoggerFactory.getLogger(FleetRepairs.class);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  /**
   * The lease, the queue's bounds and the forwarding.
   *
   * @param lease how long the repairer lease lasts and how often it is renewed: the longest a dead
   *     holder's repairs wait is {@code ttl + renewEvery}
   * @param maxRows rows of the shared queue past which forwarding stops
   * @param forwardBatch journal entries forwarded in one transaction at most
   * @param statusEvery how often the fleet's figures shown by this instance are read again
   */
  public record Options(Lease.Options lease, long maxRows, int forwardBatch, Duration statusEvery) {
    public Options {
      Objects.requireNonNull(lease, "lease");
      Objects.requireNonNull(statusEvery, "statusEvery");
      if (maxRows < 1 || forwardBatch < 1) {
        throw new IllegalArgumentException("maxRows and forwardBatch must be at least 1");
      }
      if (!statusEvery.isPositive()) {
        throw new IllegalArgumentException("statusEvery must be positive, got " + statusEvery);
      }
    }

    /** The lease's defaults (6 s, renewed every 2 s), a million rows, 512 entries, 1 s. */
    public static Options defaults() {
      return new Options(Lease.Options.defaults(), 1_000_000, 512, Duration.ofSeconds(1));
    }

    public Options withLease(Lease.Options l) {
      return new Options(l, maxRows, forwardBatch, statusEvery);
    }
  }

  /**
   * What this instance knows of the fleet's repairs, as of {@link #asOf}.
   *
   * @param holder this instance holds the repairer lease now
   * @param self this instance's holder name ({@code instance/run})
   * @param leader the lease's row (who holds it, token, since when, live), empty when never taken
   *     or not read yet
   * @param queue the shared queue, null until first read
   * @param asOf when {@code leader} and {@code queue} were read, null until then
   * @param problem the last failure reading or forwarding, null when the last try worked
   * @param forwarded journal entries this instance forwarded
   * @param skipped journal entries found forwarded before (a re-drain after a crash)
   * @param completed rows this instance's repairer removed from the queue
   * @param requeued rows its completions left because an entry named them again meanwhile
   * @param fenced completions refused because the lease had passed to another holder
   */
  public record Status(
      boolean holder,
      String self,
      Optional<Lease.Holding> leader,
      SharedRepairQueue.Status queue,
      Instant asOf,
      String problem,
      long forwarded,
      long skipped,
      long completed,
      long requeued,
      long fenced) {}

  private final RepairJournal journal;
  private final SharedRepairQueue queue;
  private final Lease lease;
  private final Repairer repairer;
  private final Options options;
  private final String instance;
  private final Clock clock;
  private final Thread forwarder;
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final RateLimitedLog errors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private volatile boolean closing;
  private volatile Optional<Lease.Holding> leader = Optional.empty();
  private volatile SharedRepairQueue.Status queueStatus;
  private volatile Instant asOf;
  private volatile String problem;

  private FleetRepairs(
      RepairJournal journal,
      SharedRepairQueue queue,
      Lease lease,
      Repairer repairer,
      Options options,
      String instance,
      Clock clock) {
    this.journal = journal;
    this.queue = queue;
    this.lease = lease;
    this.repairer = repairer;
    this.options = options;
    this.instance = instance;
    this.clock = clock;
    this.forwarder =
        Thread.ofPlatform().name("repair-forwarder").daemon(true).unstarted(this::forwardLoop);
  }

  /**
   * Creates the shared tables when missing, starts trying to take the lease, forwarding the
   * journal, and the repairer (gated by the lease). The journal and the data source stay the
   * caller's.
   *
   * @param instance this instance's id in the fleet; the lease's holder is it and a run id
   * @param config the repairer's batch, rate and back-off; its settle applies in the queue, on the
   *     clock of the instance that wrote each entry
   * @throws IllegalStateException when the shared tables cannot be created
   */
  public static FleetRepairs start(
      DataSource dataSource,
      RepairJournal journal,
      EntityRepair repair,
      Repairer.Config config,
      String instance,
      Options options,
      Clock clock) {
    Objects.requireNonNull(journal, "journal");
    Objects.requireNonNull(repair, "repair");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(clock, "clock");
    if (instance == null || instance.isBlank()) {
      throw new IllegalArgumentException("a fleet's repairs need the instance's id");
    }
    SharedRepairQueue queue =
        SharedRepairQueue.open(
            dataSource,
            new SharedRepairQueue.Options(
                options.maxRows(),
                config.settle(),
                SharedRepairQueue.Options.defaults().timeout()));
    String holder = instance + "/" + UUID.randomUUID().toString().substring(0, 8);
    Lease lease = Lease.start(dataSource, LEASE, holder, options.lease());
    Repairer repairer;
    try {
      // The settle is the queue's: a claimed row is settled already. The lease is checked before
      // each entity too, not only before each claim: a holder that lost it mid-claim (a stall
      // longer than the lease) stops at once instead of syncing the rest of its claim beside the
      // new holder.
      EntityRepair whileHeld =
          (key, from) ->
              lease.held()
                  ? repair.repair(key, from)
                  : new RepairResult.Retry("this instance no longer holds the repairer lease");
      repairer =
          new Repairer(
              queue.source(lease, clock),
              whileHeld,
              config.withSettle(Duration.ZERO),
              clock,
              lease);
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
    FleetRepairs f = new FleetRepairs(journal, queue, lease, repairer, options, instance, clock);
    f.forwarder.start();
    log.info(
        "repairs shared by the fleet as {}: the lease holder repairs, every instance forwards its journal",
        holder);
    return f;
  }

  private void forwardLoop() {
    Duration backoff = MIN_BACKOFF;
    long nextStatus = System.nanoTime();
    while (!closing) {
      if (System.nanoTime() - nextStatus >= 0) {
        refreshStatus();
        nextStatus = System.nanoTime() + options.statusEvery().toNanos();
      }
      List<RepairJournal.Entry> entries;
      try {
        entries = journal.next(options.forwardBatch(), Duration.ofMillis(200));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        fail("cannot read the repair journal", e);
        pause(MAX_BACKOFF);
        continue;
      }
      if (entries.isEmpty()) {
        continue;
      }
      SharedRepairQueue.Status known = queueStatus;
      try {
        SharedRepairQueue.Forwarded f =
            queue.forward(
                journal.id(),
                instance,
                entries,
                clock.instant(),
                known == null ? 0 : known.pending());
        if (f.full()) {
          problem =
              "the shared repair queue holds "
                  + known.pending()
                  + " rows, its bound: entries wait in the journal";
          pause(options.statusEvery());
          nextStatus = System.nanoTime();
          continue;
        }
        journal.commit(entries.getLast().end(), entries.size());
        forwarded.add(f.entries());
        skipped.add(f.skipped());
        backoff = MIN_BACKOFF;
      } catch (SQLException | RuntimeException e) {
        // PostgreSQL is down (or refuses): the entries stay in the journal, forwarded later.
        fail("cannot forward repairs to the shared queue; they wait in the journal", e);
        pause(backoff);
        backoff = backoff.multipliedBy(2);
        if (backoff.compareTo(MAX_BACKOFF) > 0) {
          backoff = MAX_BACKOFF;
        }
      }
    }
  }

  private void refreshStatus() {
    try {
      SharedRepairQueue.Status q = queue.status();
      Optional<Lease.Holding> h = lease.holding();
      queueStatus = q;
      leader = h;
      asOf = clock.instant();
      problem = null;
    } catch (SQLException | RuntimeException e) {
      fail("cannot read the shared repair queue", e);
    }
  }

  private void fail(String what, Exception e) {
    problem = what + ": " + e.getMessage();
    errors.warn(what, e);
  }

  private void pause(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    long left;
    while (!closing && (left = until - System.nanoTime()) > 0) {
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  /**
   * The repairer working through the shared queue (idle while another instance holds the lease).
   */
  public Repairer repairer() {
    return repairer;
  }

  /** Whether this instance holds the repairer lease now. */
  public boolean holder() {
    return lease.held();
  }

  /** Rows waiting in the shared queue as last read, empty until read or when too old to trust. */
  public java.util.OptionalLong fleetPending() {
    SharedRepairQueue.Status q = queueStatus;
    Instant at = asOf;
    if (q == null
        || at == null
        || Duration.between(at, clock.instant()).compareTo(options.statusEvery().multipliedBy(10))
            > 0) {
      return java.util.OptionalLong.empty();
    }
    return java.util.OptionalLong.of(q.pending());
  }

  public Status status() {
    return new Status(
        lease.held(),
        lease.holder(),
        leader,
        queueStatus,
        asOf,
        problem,
        forwarded.sum(),
        skipped.sum(),
        queue.completed(),
        queue.requeued(),
        queue.fenced());
  }

  /**
   * The fleet's repair instruments (docs/metrics.md, "Repairs"): {@code strangler.repairs.leader}
   * (1 on the lease holder), {@code strangler.repairs.fleet_pending} (rows waiting in the shared
   * queue, left out while unknown) and {@code strangler.repairs.forwarded} (entries this instance
   * forwarded). Closing the answer removes them.
   */
  public AutoCloseable registerMetrics(MeterProvider meters) {
    Meter m = meters.get("io.strangler.repair");
    List<AutoCloseable> instruments = new ArrayList<>();
    instruments.add(
        m.gaugeBuilder("strangler.repairs.leader")
            .ofLongs()
            .setDescription("1 while this instance holds the fleet's repairer lease, else 0")
            .buildWithCallback(o -> o.record(lease.held() ? 1 : 0)));
    instruments.add(
        m.gaugeBuilder("strangler.repairs.fleet_pending")
            .ofLongs()
            .setDescription(
                "Entities waiting in the fleet's shared repair queue (absent while it cannot be read)")
            .buildWithCallback(o -> fleetPending().ifPresent(o::record)));
    instruments.add(
        m.counterBuilder("strangler.repairs.forwarded")
            .setDescription("Repair journal entries this instance forwarded to the shared queue")
            .buildWithCallback(o -> o.record(forwarded.sum())));
    return () -> {
      for (AutoCloseable i : instruments) {
        i.close();
      }
    };
  }

  /**
   * Stops the repairer, releases the lease (another instance takes it at its next try), then stops
   * forwarding: what is not forwarded stays in the journal for the next start.
   */
  @Override
  public void close() {
    try {
      repairer.close();
    } finally {
      lease.close();
      closing = true;
      LockSupport.unpark(forwarder);
      try {
        forwarder.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
