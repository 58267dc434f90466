package io.strangler.dispatch.repair;

import io.strangler.flags.Mode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works through the {@link RepairJournal}: for each batch of entries, copies every entity they name
 * (once, however many entries name it) from the backend that was authoritative for the write to
 * the other one, then commits the batch. When a store cannot be reached the batch is kept and
 * tried again after a back-off that doubles up to a bound, so repairs resume by themselves when the
 * store returns. Rate-limited; one thread.
 */
public final class Repairer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Repairer.class);
  private static final Duration GATE_WAIT = Duration.ofMillis(200);

  /**
   * How fast and how patient.
   *
   * @param batch entries read and committed together
   * @param perSecond entity repairs per second at most
   * @param settle an entry is repaired only this long after it was written, so shadow writes still
   *     queued behind the failed one land first
   * @param minBackoff the first wait after a store could not be reached
   * @param maxBackoff the longest wait between tries
   */
  public record Config(int batch, double perSecond, Duration settle, Duration minBackoff, Duration maxBackoff) {
    public Config {
      if (batch < 1) {
        throw new IllegalArgumentException("batch must be at least 1, got " + batch);
      }
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException("perSecond must be positive, got " + perSecond);
      }
      Objects.requireNonNull(settle, "settle");
      Objects.requireNonNull(minBackoff, "minBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException("need 0 <= minBackoff <= maxBackoff");
      }
    }

    /** 256 entries a batch, 2,000 repairs/s, a 1 s settle, back-off from 200 ms to 5 s. */
    public static Config defaults() {
      return new Config(256, 2_000, Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(5));
    }
  }

  /** What the repairer has done since it started. */
  public record Stats(
      long repaired, long alreadyEqual, long retries, long failed, String lastProblem, Instant lastRepairAt) {}

  private final RepairJournal journal;
  private final EntityRepair repair;
  private final Config config;
  private final Clock clock;
  private final BooleanSupplier mayRun;
  private final Thread thread;
  private final long intervalNanos;
  private volatile boolean closing;

  private final LongAdder repaired = new LongAdder();
  private final LongAdder alreadyEqual = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicReference<String> lastProblem = new AtomicReference<>();
  private volatile Instant lastRepairAt;
  private long nextRepairNanos = System.nanoTime();

  public Repairer(RepairJournal journal, EntityRepair repair, Config config, Clock clock) {
    this(journal, repair, config, clock, () -> true);
  }

  /**
   * A repairer that works only while {@code mayRun} says so (checked before each batch), such as a
   * {@link Lease} that one instance of a fleet holds at a time.
   */
  public Repairer(RepairJournal journal, EntityRepair repair, Config config, Clock clock, BooleanSupplier mayRun) {
    this.mayRun = Objects.requireNonNull(mayRun, "mayRun");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.repair = Objects.requireNonNull(repair, "repair");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.intervalNanos = (long) (1e9 / config.perSecond());
    this.thread = Thread.ofPlatform().name("repairer").daemon(true).unstarted(this::run);
    thread.start();
  }

  private void run() {
    Duration backoff = config.minBackoff();
    while (!closing) {
      if (!mayRun.getAsBoolean()) {
        pause(GATE_WAIT);
        continue;
      }
      List<RepairJournal.Entry> entries;
      try {
        entries = journal.next(config.batch(), Duration.ofMillis(200));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        problem("cannot read the repair journal: " + e.getMessage());
        pause(config.maxBackoff());
        continue;
      }
      if (entries.isEmpty()) {
        continue;
      }
      if (!settled(entries.getLast()) || !mayRun.getAsBoolean()) {
        continue;
      }
      if (repairAll(entries)) {
        journal.commit(entries.getLast().end(), entries.size());
        backoff = config.minBackoff();
      } else {
        pause(backoff);
        backoff = backoff.multipliedBy(2);
        if (backoff.compareTo(config.maxBackoff()) > 0) {
          backoff = config.maxBackoff();
        }
      }
    }
  }

  /** Waits until the newest entry of the batch is old enough; false when closing meanwhile. */
  private boolean settled(RepairJournal.Entry newest) {
    Duration age = Duration.between(newest.at(), clock.instant());
    Duration left = config.settle().minus(age);
    if (left.isNegative() || left.isZero()) {
      return true;
    }
    pause(left);
    return !closing;
  }

  /** Repairs every entity the batch names; false when one must be tried again later. */
  private boolean repairAll(List<RepairJournal.Entry> entries) {
    Set<Target> targets = new LinkedHashSet<>();
    for (RepairJournal.Entry e : entries) {
      for (String key : e.keys()) {
        targets.add(new Target(key, e.from()));
      }
    }
    for (Target t : targets) {
      if (closing) {
        return false;
      }
      throttle();
      RepairResult result;
      try {
        result = repair.repair(t.key(), t.from());
      } catch (RuntimeException e) {
        result = new RepairResult.Retry(e.toString());
      }
      switch (result) {
        case RepairResult.Repaired r -> {
          repaired.increment();
          lastRepairAt = clock.instant();
        }
        case RepairResult.AlreadyEqual a -> alreadyEqual.increment();
        case RepairResult.Failed f -> {
          failed.increment();
          problem("cannot repair " + t.key() + ": " + f.why());
        }
        case RepairResult.Retry r -> {
          retries.increment();
          problem("repair of " + t.key() + " postponed: " + r.why());
          return false;
        }
      }
    }
    return true;
  }

  private record Target(String key, Mode.Backend from) {}

  private void throttle() {
    long now = System.nanoTime();
    long wait = nextRepairNanos - now;
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
    nextRepairNanos = Math.max(now, nextRepairNanos) + intervalNanos;
  }

  private void pause(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    long left;
    while (!closing && (left = until - System.nanoTime()) > 0) {
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  private void problem(String message) {
    if (!message.equals(lastProblem.getAndSet(message))) {
      log.warn(message);
    }
  }

  public Stats stats() {
    return new Stats(
        repaired.sum(), alreadyEqual.sum(), retries.sum(), failed.sum(), lastProblem.get(), lastRepairAt);
  }

  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(thread);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
