package io.strangler.diff.report;

import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.common.RateLimitedLog;
import io.strangler.common.Sampling;
import io.strangler.diff.Classification;
import io.strangler.diff.Classifier;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Recheck;
import io.strangler.diff.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the calls the proxy hands over, off the client's path, and hands each result to its
 * listeners: metrics, readiness, the mismatch sample store, and any added.
 *
 * <p>{@link #offer} never blocks: it applies the API's sampling ratio (a pure function of the
 * request id) and puts the call on a bounded queue; when the queue is full the call is dropped and
 * counted. Worker threads classify calls with the engine ({@link Classifier}). A read whose answers
 * differ is read again from both backends once, after {@link DiffConfig#recheckDelay()}, through
 * the {@link Rereader}: the delay is a scheduled task, never a sleep in a worker, and the second
 * reads pending at once are bounded (beyond, the call stays a MISMATCH, counted as {@code
 * budget_full}).
 *
 * <pre>{@code
 * DiffPipeline pipeline = DiffPipeline.builder(config)
 *     .rereader(rereader)                       // both backends, for the RACE check
 *     .meterProvider(telemetry.meterProvider())  // metrics; default none
 *     .modes(() -> currentModeByApi)            // for strangler_api_mode
 *     .samples(mismatchStore)                   // default: no samples kept
 *     .build();                                 // threads start here
 * sink: exchange -> pipeline.offer(toComparedCall(exchange));
 * ...
 * pipeline.close(Duration.ofSeconds(5));        // then close the store
 * }</pre>
 */
public final class DiffPipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiffPipeline.class);
  private static final Verdict[] VERDICTS = Verdict.values();

  private final DiffConfig config;
  private final Set<String> knownApis;
  private final Classifier classifier;
  private final Rereader rereader;
  private final Clock clock;
  private final Readiness readiness;
  private final SampleStore samples;
  private final Supplier<Map<String, String>> modes;
  private final List<DiffListener> listeners;
  private final DiffMetrics metrics;
  private final ThreadPoolExecutor workers;
  private final ScheduledThreadPoolExecutor rechecks;
  private final Semaphore recheckPermits;
  private final Set<RecheckTask> pendingRechecks = ConcurrentHashMap.newKeySet();

  private final LongAdder[] processed = new LongAdder[VERDICTS.length];
  private final LabeledCounts dropped = new LabeledCounts();
  private final LabeledCounts sampledOut = new LabeledCounts();
  private final LabeledCounts recheckResults = new LabeledCounts();
  private final LongAdder classifyFailures = new LongAdder();
  private final LongAdder listenerFailures = new LongAdder();
  private final RateLimitedLog failures = new RateLimitedLog(log, Duration.ofSeconds(10));
  private volatile boolean closing;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean drainedAtClose;

  private DiffPipeline(Builder b) {
    this.config = b.config;
    this.knownApis = config.apis();
    this.classifier = new Classifier(config.rules());
    this.rereader = b.rereader;
    this.clock = b.clock;
    this.readiness = new Readiness(config, clock);
    this.samples = b.samples;
    this.modes = b.modes;
    for (int i = 0; i < processed.length; i++) {
      processed[i] = new LongAdder();
    }
    this.recheckPermits = new Semaphore(config.maxPendingRechecks());
    this.workers =
        new ThreadPoolExecutor(
            config.workers(),
            config.workers(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(config.queueCapacity()),
            named("diff-worker-"),
            new DropPolicy());
    this.rechecks =
        new ScheduledThreadPoolExecutor(config.recheckThreads(), named("diff-recheck-"));
    // Its queue has no bound of its own: the permits bound it (one per second read scheduled and
    // not yet finished). A task refused at close throws, and compare() hands the permit back.
    this.metrics = new DiffMetrics(b.meterProvider, this);
    List<DiffListener> all = new ArrayList<>();
    all.add(metrics);
    all.add(readiness);
    all.add(samples);
    all.addAll(b.listeners);
    this.listeners = List.copyOf(all);
    workers.prestartAllCoreThreads();
  }

  /** A builder over {@code config}. */
  public static Builder builder(DiffConfig config) {
    return new Builder(config);
  }

  /**
   * Hands a call over for comparison; never blocks. Returns whether it was queued: false when
   * sampling left it out, the queue was full, the pipeline is closing, or {@link DiffConfig#apis()}
   * does not name its API (each counted).
   */
  public boolean offer(ComparedCall call) {
    Objects.requireNonNull(call, "call");
    if (!admits(call.api(), call.requestId())) {
      return false;
    }
    if (closing) {
      dropped.increment(call.api(), "closed");
      return false;
    }
    CallTask task = new CallTask(call);
    workers.execute(task);
    return !task.rejected;
  }

  /**
   * Whether {@link #offer} would take a call of {@code api} with this request id, so that a caller
   * can leave a call out before building it: false when {@link DiffConfig#apis()} does not name the
   * API or sampling leaves the call out, each counted as {@link #offer} counts it. A call this
   * admits is counted again only if it is then dropped.
   */
  public boolean admits(String api, String requestId) {
    if (!knownApis.isEmpty() && !knownApis.contains(api)) {
      // Not labelled by the name: an unknown name could be anything, and labels must stay few.
      dropped.increment(DiffMetrics.OTHER, "unknown_api");
      return false;
    }
    if (!Sampling.keeps(requestId, config.sampling(api))) {
      sampledOut.increment(api, "sampled_out");
      return false;
    }
    return true;
  }

  /** Readiness per API, from the results so far. */
  public Readiness readiness() {
    return readiness;
  }

  /** The admin outputs over this pipeline, its readiness and its sample store. */
  public DiffAdmin admin() {
    return new DiffAdmin(this, readiness, samples, modes);
  }

  public DiffConfig config() {
    return config;
  }

  /** A snapshot of the queue, the counts by verdict and the drops by reason. */
  public DiffStats stats() {
    Map<String, Long> byVerdict = new TreeMap<>();
    for (Verdict v : VERDICTS) {
      byVerdict.put(v.name().toLowerCase(Locale.ROOT), processed[v.ordinal()].sum());
    }
    Map<String, Long> sampled = new TreeMap<>();
    sampledOut.snapshot().forEach(c -> sampled.put(c.api(), c.count()));
    Map<String, Map<String, Long>> sampleCounts = new TreeMap<>();
    samples
        .counts()
        .forEach(
            c ->
                sampleCounts
                    .computeIfAbsent(c.api(), a -> new TreeMap<>())
                    .put(c.label(), c.count()));
    return new DiffStats(
        queueDepth(),
        config.queueCapacity(),
        config.workers(),
        pendingRechecks(),
        config.maxPendingRechecks(),
        byVerdict,
        dropped.byLabel(),
        dropped.byApi(),
        sampled,
        recheckResults.byLabel(),
        classifyFailures.sum(),
        listenerFailures.sum(),
        sampleCounts);
  }

  /** Compared calls with this verdict so far. */
  public long processed(Verdict verdict) {
    return processed[verdict.ordinal()].sum();
  }

  int queueDepth() {
    return workers.getQueue().size();
  }

  int pendingRechecks() {
    return config.maxPendingRechecks() - recheckPermits.availablePermits();
  }

  LabeledCounts droppedCounts() {
    return dropped;
  }

  LabeledCounts sampledOutCounts() {
    return sampledOut;
  }

  LabeledCounts recheckCounts() {
    return recheckResults;
  }

  long classifyFailures() {
    return classifyFailures.sum();
  }

  long listenerFailures() {
    return listenerFailures.sum();
  }

  SampleStore samples() {
    return samples;
  }

  Supplier<Map<String, String>> modes() {
    return modes;
  }

  private void compare(ComparedCall call) {
    boolean rereadable = rereader.rereads(call.api(), call.kind());
    AskedRecheck probe = new AskedRecheck();
    Classification first;
    try {
      first =
          classifier.classify(
              call.api(),
              call.authoritative(),
              call.observations(),
              rereadable ? probe : Recheck.NONE);
    } catch (RuntimeException e) {
      classifyFailures.increment();
      failures.warn("Comparing a " + call.api() + " call failed; it is not counted", e);
      return;
    }
    if (!probe.asked) {
      deliver(call, first, RecheckResult.NONE);
    } else if (rereader == Rereader.NONE) {
      deliver(call, first, RecheckResult.UNAVAILABLE);
    } else if (closing) {
      deliver(call, first, RecheckResult.CLOSED);
    } else if (!recheckPermits.tryAcquire()) {
      deliver(call, first, RecheckResult.BUDGET_FULL);
    } else {
      schedule(new RecheckTask(call, first, 1));
    }
  }

  /** Schedules a second read; the caller holds a recheck permit, which the task then owns. */
  private void schedule(RecheckTask task) {
    pendingRechecks.add(task);
    try {
      long delay = config.recheckDelay().toNanos() << Math.min(20, task.attempt - 1);
      rechecks.schedule(task, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      pendingRechecks.remove(task);
      recheckPermits.release();
      deliver(task.call, task.first, RecheckResult.CLOSED);
    }
  }

  private void recheck(ComparedCall call, Classification first, int attempt) {
    boolean keepPermit = false;
    try {
      Optional<Observations> again = reread(call);
      if (again.isEmpty()) {
        deliver(call, first, RecheckResult.UNAVAILABLE);
        return;
      }
      Classification second;
      try {
        // The same decision as the first pass, now with the second read: it keeps the first
        // read's documents and differences, which show what raced.
        second =
            classifier.classify(call.api(), call.authoritative(), call.observations(), () -> again);
      } catch (RuntimeException e) {
        classifyFailures.increment();
        failures.warn("Comparing a second read of a " + call.api() + " call failed", e);
        deliver(call, first, RecheckResult.UNAVAILABLE);
        return;
      }
      if (second.verdict() != Verdict.RACE && attempt < config.recheckAttempts() && !closing) {
        // Still different: perhaps still being written. Read again later, holding the permit.
        keepPermit = true;
        schedule(new RecheckTask(call, first, attempt + 1));
        return;
      }
      deliver(
          call,
          second,
          second.verdict() == Verdict.RACE ? RecheckResult.AGREED : RecheckResult.STILL_DIFFERENT);
    } finally {
      if (!keepPermit) {
        recheckPermits.release();
      }
    }
  }

  private Optional<Observations> reread(ComparedCall call) {
    try {
      return Objects.requireNonNull(
          rereader.reread(
              call.api(),
              call.request(),
              call.observations().of(call.authoritative()) instanceof Observed.Answer a
                  ? a.body()
                  : null),
          "Rereader answered null");
    } catch (RuntimeException e) {
      failures.warn("Reading a " + call.api() + " call again failed", e);
      return Optional.empty();
    }
  }

  private void deliver(ComparedCall call, Classification classification, RecheckResult recheck) {
    if (recheck != RecheckResult.NONE) {
      recheckResults.increment(call.api(), recheck.label());
    }
    DiffResult result = new DiffResult(call, classification, recheck, clock.instant());
    for (DiffListener listener : listeners) {
      try {
        listener.onResult(result);
      } catch (RuntimeException e) {
        listenerFailures.increment();
        failures.warn("A diff listener (" + listener.getClass().getName() + ") failed", e);
      }
    }
    // Counted once every listener has it: a caller that sees the count sees the metrics too.
    processed[classification.verdict().ordinal()].increment();
  }

  /**
   * Stops taking calls, compares those queued and makes the second reads pending, waiting at most
   * {@code timeout} in all; what is left then is dropped and counted ({@code closed}). Does not
   * close the sample store, which the caller owns. Returns whether everything was drained.
   */
  public boolean close(Duration timeout) {
    if (!closed.compareAndSet(false, true)) {
      return drainedAtClose;
    }
    closing = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean drained = false;
    try {
      workers.shutdown();
      drained = workers.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
      if (!drained) {
        for (Runnable left : workers.shutdownNow()) {
          dropped.increment(((CallTask) left).call.api(), "closed");
        }
      }
      // After the workers: they may still schedule second reads until they stop.
      rechecks.shutdown();
      boolean rechecked = rechecks.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
      drained &= rechecked;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
    } finally {
      if (!rechecks.isTerminated()) {
        rechecks.shutdownNow();
        for (RecheckTask task : pendingRechecks) {
          if (pendingRechecks.remove(task)) {
            dropped.increment(task.call.api(), "closed");
          }
        }
      }
      metrics.close();
    }
    drainedAtClose = drained;
    return drained;
  }

  /** {@link #close(Duration)} with five seconds. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** One queued call. Remembers whether the queue turned it away: {@link #offer} reports it. */
  private final class CallTask implements Runnable {
    final ComparedCall call;
    boolean rejected;

    CallTask(ComparedCall call) {
      this.call = call;
    }

    @Override
    public void run() {
      compare(call);
    }
  }

  /** The queue is full or closed: count, never block and never throw into the proxy's thread. */
  private final class DropPolicy implements RejectedExecutionHandler {
    @Override
    public void rejectedExecution(Runnable r, ThreadPoolExecutor executor) {
      CallTask task = (CallTask) r;
      task.rejected = true;
      dropped.increment(task.call.api(), executor.isShutdown() ? "closed" : "queue_full");
    }
  }

  /** A second read, due after the delay. */
  private final class RecheckTask implements Runnable {
    final ComparedCall call;
    final Classification first;
    final int attempt;

    RecheckTask(ComparedCall call, Classification first, int attempt) {
      this.call = call;
      this.first = first;
      this.attempt = attempt;
    }

    @Override
    public void run() {
      if (pendingRechecks.remove(this)) {
        recheck(call, first, attempt);
      }
    }
  }

  /** Answers "no second read" during the first pass and remembers that one was asked for. */
  private static final class AskedRecheck implements Recheck {
    boolean asked;

    @Override
    public Optional<Observations> again() {
      asked = true;
      return Optional.empty();
    }
  }

  /** Collects the pipeline's collaborators; {@link #build()} starts its threads. */
  public static final class Builder {
    private final DiffConfig config;
    private Clock clock = Clock.systemUTC();
    private Rereader rereader = Rereader.NONE;
    private MeterProvider meterProvider = MeterProvider.noop();
    private Supplier<Map<String, String>> modes = Map::of;
    private SampleStore samples = SampleStore.disabled();
    private final List<DiffListener> listeners = new ArrayList<>();

    private Builder(DiffConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** The clock of results and readiness windows; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Reads a mismatching read again from both backends; default {@link Rereader#NONE}. */
    public Builder rereader(Rereader rereader) {
      this.rereader = Objects.requireNonNull(rereader, "rereader");
      return this;
    }

    /** Where the metrics go (e.g. {@link Telemetry#meterProvider()}); default none. */
    public Builder meterProvider(MeterProvider meterProvider) {
      this.meterProvider = Objects.requireNonNull(meterProvider, "meterProvider");
      return this;
    }

    /**
     * The current mode of each API by name (e.g. {@code SHADOW}), read at each scrape and admin
     * call; must be quick and must not throw. Default: none known.
     */
    public Builder modes(Supplier<Map<String, String>> modes) {
      this.modes = Objects.requireNonNull(modes, "modes");
      return this;
    }

    /** Where mismatch samples go; default {@link SampleStore#disabled()}. */
    public Builder samples(SampleStore samples) {
      this.samples = Objects.requireNonNull(samples, "samples");
      return this;
    }

    /** One more consumer of results, called after metrics, readiness and the sample store. */
    public Builder listener(DiffListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public DiffPipeline build() {
      return new DiffPipeline(this);
    }
  }
}
