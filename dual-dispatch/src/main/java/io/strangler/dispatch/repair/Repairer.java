package io.strangler.dispatch.repair;

import io.strangler.dispatch.PendingShadowWrites;
import io.strangler.flags.Mode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works through a {@link RepairSource} (the {@link RepairJournal}, or a fleet's shared queue): for
 * each batch of entries, copies every entity they name (once, however many entries name it) from
 * the backend that was authoritative for the write to the other one, then commits the batch. When a
 * store cannot be reached the batch is kept and tried again after a back-off that doubles up to a
 * bound, so repairs resume by themselves when the store returns; the entities of the batch already
 * repaired are not repaired again. Rate-limited; one thread reads the journal, and the entities of
 * a batch are repaired by a fixed number of threads of the repairer's own (one entity at a time
 * each).
 */
public final class Repairer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Repairer.class);
  private static final Duration GATE_WAIT = Duration.ofMillis(200);
  private static final long QUIET_POLL_MS = 10;
  private static final Duration QUIET_POLL = Duration.ofMillis(QUIET_POLL_MS);

  /**
   * How fast and how patient.
   *
   * @param batch entries read and committed together
   * @param perSecond entity repairs per second at most
   * @param settle an entry is repaired only this long after it was written, so shadow writes still
   *     queued behind the failed one land first
   * @param minBackoff the first wait after a store could not be reached
   * @param maxBackoff the longest wait between tries
   * @param threads entities repaired at once
   */
  public record Config(
      int batch,
      double perSecond,
      Duration settle,
      Duration minBackoff,
      Duration maxBackoff,
      int threads) {
    public Config {
      if (batch < 1) {
        throw new IllegalArgumentException("batch must be at least 1, got " + batch);
      }
      if (threads < 1 || threads > 64) {
        throw new IllegalArgumentException("threads must be within 1..64, got " + threads);
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

    /**
     * 512 entries a batch, 2,000 repairs/s, a 1 s settle, back-off from 200 ms to 5 s, 4 entities
     * at once.
     */
    public static Config defaults() {
      return new Config(
          512, 2_000, Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(5), 4);
    }

    public Config withThreads(int n) {
      return new Config(batch, perSecond, settle, minBackoff, maxBackoff, n);
    }

    public Config withPerSecond(double n) {
      return new Config(batch, n, settle, minBackoff, maxBackoff, threads);
    }

    public Config withSettle(Duration d) {
      return new Config(batch, perSecond, d, minBackoff, maxBackoff, threads);
    }
  }

  /** What the repairer has done since it started. */
  public record Stats(
      long repaired,
      long alreadyEqual,
      long retries,
      long failed,
      String lastProblem,
      Instant lastRepairAt) {}

  private final RepairSource journal;
  private final EntityRepair repair;
  private final Config config;
  private final Clock clock;
  private final BooleanSupplier mayRun;
  private final Thread thread;
  private final ExecutorService workers;
  private final long intervalNanos;
  private volatile boolean closing;
  private volatile PendingShadowWrites waitFor = PendingShadowWrites.NONE;
  private volatile long quietWaitNanos;
  private final LongAdder deferred = new LongAdder();
  private final LongAdder repairedWhileQueued = new LongAdder();

  private final LongAdder repaired = new LongAdder();
  private final LongAdder alreadyEqual = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicReference<String> lastProblem = new AtomicReference<>();
  private volatile Instant lastRepairAt;
  private long nextRepairNanos = System.nanoTime(); // guarded by this

  // The repairer thread's: the batch being repaired and the entities of it already done.
  private long batchStart = -1;
  private final Set<Target> done = ConcurrentHashMap.newKeySet();

  public Repairer(RepairJournal journal, EntityRepair repair, Config config, Clock clock) {
    this(journal, repair, config, clock, () -> true);
  }

  /**
   * A repairer that works only while {@code mayRun} says so (checked before each batch), such as a
   * {@link Lease} that one instance of a fleet holds at a time.
   */
  public Repairer(
      RepairSource journal,
      EntityRepair repair,
      Config config,
      Clock clock,
      BooleanSupplier mayRun) {
    this.mayRun = Objects.requireNonNull(mayRun, "mayRun");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.repair = Objects.requireNonNull(repair, "repair");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.intervalNanos = (long) (1e9 / config.perSecond());
    this.workers =
        config.threads() == 1
            ? null
            : Executors.newFixedThreadPool(
                config.threads(), Thread.ofPlatform().name("repairer-", 0).daemon(true).factory());
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

  /**
   * Repairs every entity the batch names; false when one must be tried again later. An entity whose
   * shadow writes the proxy still holds is put off until they are done (see {@link
   * #awaitShadowWrites}), while the others go ahead; past the wait's bound it is repaired anyway.
   */
  private boolean repairAll(List<RepairJournal.Entry> entries) {
    if (entries.getFirst().end() != batchStart) {
      batchStart = entries.getFirst().end();
      done.clear();
    }
    Set<Target> distinct = new LinkedHashSet<>();
    for (RepairJournal.Entry e : entries) {
      for (String key : e.keys()) {
        distinct.add(new Target(key, e.from()));
      }
    }
    distinct.removeAll(done);
    List<Target> targets = List.copyOf(distinct);
    long waitUntil = System.nanoTime() + quietWaitNanos;
    while (true) {
      boolean waitForQuiet = System.nanoTime() - waitUntil < 0;
      List<Target> round = repairRound(targets, waitForQuiet);
      if (round == null) {
        return false;
      }
      if (round.isEmpty()) {
        return true;
      }
      targets = round;
      pause(QUIET_POLL);
      if (closing) {
        return false;
      }
    }
  }

  /**
   * One pass over {@code targets} by the repair threads. With {@code waitForQuiet}, a target whose
   * shadow writes are still queued or running is left for the next round. Returns the targets put
   * off; null when one must be tried again later (or closing).
   */
  private List<Target> repairRound(List<Target> targets, boolean waitForQuiet) {
    PendingShadowWrites pending = waitFor;
    Queue<Target> putOff = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean postponed = new AtomicBoolean();
    Runnable work =
        () -> {
          int i;
          while (!closing && !postponed.get() && (i = next.getAndIncrement()) < targets.size()) {
            Target t = targets.get(i);
            if (pending.pending(t.key(), other(t.from()))) {
              if (waitForQuiet) {
                deferred.increment();
                putOff.add(t);
                continue;
              }
              repairedWhileQueued.increment();
            }
            if (!repairOne(t)) {
              postponed.set(true);
            }
          }
        };
    if (workers == null || targets.size() < 2) {
      work.run();
    } else {
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < Math.min(config.threads(), targets.size()); w++) {
        running.add(workers.submit(work));
      }
      for (Future<?> f : running) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        } catch (ExecutionException e) {
          problem("a repair thread failed: " + e.getCause());
          postponed.set(true);
        }
      }
    }
    return closing || postponed.get() || next.get() < targets.size() ? null : List.copyOf(putOff);
  }

  private static Mode.Backend other(Mode.Backend b) {
    return b == Mode.Backend.LEGACY ? Mode.Backend.NEW : Mode.Backend.LEGACY;
  }

  /**
   * Makes each repair wait until the proxy holds no shadow write of its entity to the store it
   * writes, queued or running: a repair copies the authoritative state of now, and an older shadow
   * write landing after it would show the older state again until the newer ones land. The entities
   * of a batch that are quiet go first; the others are looked at again every {@value
   * #QUIET_POLL_MS} ms, and repaired anyway once {@code atMost} has passed since the batch began
   * (an entity written without pause must not hold the journal back; counted in {@link
   * Deferrals#repairedWhileQueued}). Set once the proxy is up, since the repairer starts before it.
   */
  public void awaitShadowWrites(PendingShadowWrites pending, Duration atMost) {
    Objects.requireNonNull(pending, "pending");
    if (atMost.isNegative()) {
      throw new IllegalArgumentException("atMost must not be negative, got " + atMost);
    }
    this.quietWaitNanos = atMost.toNanos();
    this.waitFor = pending;
  }

  /**
   * How often repairs waited for queued shadow writes.
   *
   * @param deferred times an entity was put off because a shadow write of it was queued or running
   * @param repairedWhileQueued entities repaired with shadow writes still queued, once the wait's
   *     bound had passed
   */
  public record Deferrals(long deferred, long repairedWhileQueued) {}

  public Deferrals deferrals() {
    return new Deferrals(deferred.sum(), repairedWhileQueued.sum());
  }

  /** One entity; false when it must be tried again later. */
  private boolean repairOne(Target t) {
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
    done.add(t);
    return true;
  }

  private record Target(String key, Mode.Backend from) {}

  private void throttle() {
    long wait;
    synchronized (this) {
      long now = System.nanoTime();
      wait = nextRepairNanos - now;
      nextRepairNanos = Math.max(now, nextRepairNanos) + intervalNanos;
    }
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
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
        repaired.sum(),
        alreadyEqual.sum(),
        retries.sum(),
        failed.sum(),
        lastProblem.get(),
        lastRepairAt);
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
    if (workers != null) {
      workers.shutdownNow();
    }
  }
}
