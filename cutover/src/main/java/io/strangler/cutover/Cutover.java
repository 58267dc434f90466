package io.strangler.cutover;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.diff.report.ApiReadiness;
import io.strangler.flags.ApiFlag;
import io.strangler.flags.FlagOverride;
import io.strangler.flags.FlagsSnapshot;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.flags.SetResult;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guarded cut-over of every API a proxy serves: its place on the {@link Ladder}, the gates of
 * the next step, moves up (only when the gates hold, or forced with a reason) and down, and the
 * automatic rollback: while an API is NEW_PRIMARY, a checker thread reads the {@link HealthWindow}
 * every period and steps the API back to SHADOW when a {@link RollbackConfig} threshold stays
 * crossed for the configured number of checks. It never moves an API up by itself, and it never
 * moves authority onto a legacy that is failing in the window: such a rollback is held (audited
 * once as {@code rollback-held} with the numbers, counted) until legacy answers again.
 *
 * <p>Moves are written to the flag source ({@code FileFlags} writes its file atomically, so every
 * proxy on that file follows); a source that takes no writes (Unleash) gets an override in this
 * proxy's {@link OverridingFlags}, which outranks the source until {@link #clearOverride}. Once an
 * API has an override, its later moves update the override. Every move is audited with who, why and
 * the gate values at that moment (in memory, the latest {@value #AUDIT_CAPACITY}, and in the log).
 */
public final class Cutover implements AutoCloseable {
  public static final String AUTO_ROLLBACK_WHO = "auto-rollback";
  static final int AUDIT_CAPACITY = 1000;

  /** New-backend calls in the window before the p99 threshold counts. */
  static final long MIN_P99_CALLS = 100;

  private static final Logger log = LoggerFactory.getLogger(Cutover.class);
  private static final AttributeKey<String> API = AttributeKey.stringKey("api");
  private static final AttributeKey<String> TRIGGER = AttributeKey.stringKey("trigger");

  private final OverridingFlags flags;
  private final CutoverConfig config;
  private final HealthWindow window;
  private final GateInputs inputs;
  private final LongCounter rollbacks;
  private final LongCounter held;
  private final Object moveLock = new Object();
  private final Deque<CutoverEvent> audit = new ArrayDeque<>();
  private final ConcurrentHashMap<String, Integer> streaks = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> breaches = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CutoverEvent> lastRollback = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CutoverEvent> holds = new ConcurrentHashMap<>();
  private final List<AutoCloseable> gauges = new ArrayList<>();
  private volatile ScheduledExecutorService checker;
  private volatile long checkFailures;

  private Cutover(Builder b) {
    this.flags = b.flags;
    this.config = b.config;
    this.window =
        b.window != null ? b.window : new HealthWindow(config.rollback().window(), config.clock());
    this.inputs =
        b.inputs != null
            ? b.inputs
            : GateInputs.of(
                b.readiness, window, b.pendingRepairs, b.lastDriftScan, b.backendsFromReadiness);
    this.rollbacks =
        b.meterProvider
            .get("io.strangler.cutover")
            .counterBuilder("strangler.cutover.rollbacks")
            .setDescription(
                "APIs stepped back by the cut-over, by API and trigger (auto or manual)")
            .build();
    this.held =
        b.meterProvider
            .get("io.strangler.cutover")
            .counterBuilder("strangler.cutover.rollbacks.held")
            .setDescription(
                "Automatic rollbacks held because legacy, the backend they would move authority"
                    + " to, was failing in the window: one per hold, by API")
            .build();
    registerGauges(b.meterProvider.get("io.strangler.cutover"));
    // At 0 from the start, so that increase() in an alert sees the first automatic rollback.
    flags
        .snapshot()
        .apis()
        .forEach(
            f -> {
              rollbacks.add(0, Attributes.of(API, f.operation(), TRIGGER, "auto"));
              held.add(0, Attributes.of(API, f.operation()));
            });
  }

  /**
   * Each API's ladder position, readiness and gates, and its last rollback's time, read at each
   * scrape from {@link #status()} (one evaluation of the gates per scrape, off the request path).
   */
  private void registerGauges(io.opentelemetry.api.metrics.Meter meter) {
    AttributeKey<String> gate = AttributeKey.stringKey("gate");
    gauges.add(
        meter
            .gaugeBuilder("strangler.cutover.step")
            .ofLongs()
            .setDescription(
                "Each API's position on the cut-over ladder, 0 for its first step (-1 off the"
                    + " ladder)")
            .buildWithCallback(
                m -> status().forEach(a -> m.record(a.position(), Attributes.of(API, a.api())))));
    gauges.add(
        meter
            .gaugeBuilder("strangler.cutover.gate.passed")
            .ofLongs()
            .setDescription(
                "1 when a gate of the API's next step passes now, 0 when it fails (an unknown"
                    + " value fails)")
            .buildWithCallback(
                m ->
                    status()
                        .forEach(
                            a ->
                                a.gates()
                                    .forEach(
                                        g ->
                                            m.record(
                                                g.passed() ? 1 : 0,
                                                Attributes.of(API, a.api(), gate, g.name()))))));
    gauges.add(
        meter
            .gaugeBuilder("strangler.cutover.last.rollback.timestamp")
            .setUnit("s")
            .setDescription(
                "When this proxy last stepped the API back (auto or manual), in seconds since the"
                    + " epoch; 0 before the first")
            .buildWithCallback(
                m ->
                    flags
                        .snapshot()
                        .apis()
                        .forEach(
                            f -> {
                              CutoverEvent e = lastRollback.get(f.operation());
                              m.record(
                                  e == null ? 0 : e.at().toEpochMilli() / 1000.0,
                                  Attributes.of(API, f.operation()));
                            })));
  }

  public static Builder builder(OverridingFlags flags) {
    return new Builder(flags);
  }

  /** The outcome sink and diff listener to wire into the proxy and the diff pipeline. */
  public HealthWindow window() {
    return window;
  }

  public CutoverConfig config() {
    return config;
  }

  /** Starts the rollback checker (one daemon thread, one check per period). */
  public synchronized Cutover start() {
    if (checker == null) {
      ScheduledThreadPoolExecutor ex =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "strangler-cutover-check");
                t.setDaemon(true);
                return t;
              },
              new ScheduledThreadPoolExecutor.DiscardPolicy());
      long period = config.rollback().checkPeriod().toMillis();
      ex.scheduleWithFixedDelay(this::checkQuietly, period, period, TimeUnit.MILLISECONDS);
      checker = ex;
    }
    return this;
  }

  /** Every API the flags know, by name. */
  public List<ApiStatus> status() {
    FlagsSnapshot s = flags.snapshot();
    List<ApiStatus> out = new ArrayList<>();
    for (ApiFlag f : s.apis()) {
      out.add(status(s, f));
    }
    return out;
  }

  /** One API, or empty when the flags do not know it. */
  public Optional<ApiStatus> status(String api) {
    FlagsSnapshot s = flags.snapshot();
    return find(s, api).map(f -> status(s, f));
  }

  private ApiStatus status(FlagsSnapshot s, ApiFlag f) {
    Step current = current(s, f);
    Optional<Step> next = config.ladder().next(current);
    ApiHealth h = inputs.health(f.operation());
    List<Gate> gates = next.map(n -> Gates.of(n, h, config.gates(), now())).orElse(List.of());
    return new ApiStatus(
        f.operation(),
        current.toString(),
        config.ladder().indexOf(current),
        next.map(Step::toString).orElse(null),
        config.ladder().previous(current).map(Step::toString).orElse(null),
        gates,
        next.isPresent() && gates.stream().allMatch(Gate::passed),
        h,
        flags.override(f.operation()).orElse(null),
        lastRollback.get(f.operation()),
        streaks.getOrDefault(f.operation(), 0),
        breaches.get(f.operation()),
        holds.get(f.operation()));
  }

  /**
   * The gates an advance of {@code api} to {@code target} would check now, without moving it: what
   * a direct flag change to that step skips. Empty when the flags do not know the API.
   */
  public Optional<GateCheck> gates(String api, Step target) {
    FlagsSnapshot s = flags.snapshot();
    return find(s, api)
        .map(
            f -> {
              Step current = current(s, f);
              List<Gate> gates =
                  target.compareTo(current) > 0
                      ? Gates.of(target, inputs.health(api), config.gates(), now())
                      : List.of();
              return new GateCheck(api, current.toString(), target.toString(), gates);
            });
  }

  /**
   * What moving an API to a step would have to pass: no gates for a step at or below the current
   * one (stepping back is always allowed).
   */
  public record GateCheck(String api, String current, String target, List<Gate> gates) {
    /** Whether every gate holds. */
    public boolean holds() {
      return gates.stream().allMatch(Gate::passed);
    }
  }

  /**
   * Moves {@code api} up to {@code to} (null: the next step) when every gate of that step holds;
   * with {@code force}, moves anyway, audited as forced (a reason is then required).
   */
  public MoveResult advance(String api, String to, String reason, boolean force, String who) {
    if (force && (reason == null || reason.isBlank())) {
      return new MoveResult.Invalid(
          "a forced advance needs a reason (--reason TEXT): it is audited");
    }
    synchronized (moveLock) {
      FlagsSnapshot s = flags.snapshot();
      Optional<ApiFlag> f = find(s, api);
      if (f.isEmpty()) {
        return unknownApi(api, s);
      }
      Step current = current(s, f.get());
      Step target;
      if (to == null || to.isBlank()) {
        Optional<Step> next = config.ladder().next(current);
        if (next.isEmpty()) {
          return new MoveResult.Invalid(api + " is at " + current + ", the top of the ladder");
        }
        target = next.get();
      } else {
        try {
          target = Step.parse(to);
        } catch (IllegalArgumentException e) {
          return new MoveResult.Invalid(e.getMessage());
        }
        if (!config.ladder().contains(target)) {
          return new MoveResult.Invalid(
              to + " is not a step of the ladder " + config.ladder().steps());
        }
        if (target.compareTo(current) <= 0) {
          return new MoveResult.Invalid(
              api
                  + " is at "
                  + current
                  + ": "
                  + target
                  + " is not above it (use rollback to step back)");
        }
      }
      List<Gate> gates = Gates.of(target, inputs.health(api), config.gates(), now());
      boolean holds = gates.stream().allMatch(Gate::passed);
      if (!holds && !force) {
        return new MoveResult.Refused(api, current.toString(), target.toString(), gates);
      }
      String action = holds ? CutoverEvent.ADVANCE : CutoverEvent.FORCED_ADVANCE;
      return move(api, current, target, action, who, reason, gates);
    }
  }

  /** Moves {@code api} one step down the ladder. */
  public MoveResult rollback(String api, String reason, String who) {
    synchronized (moveLock) {
      FlagsSnapshot s = flags.snapshot();
      Optional<ApiFlag> f = find(s, api);
      if (f.isEmpty()) {
        return unknownApi(api, s);
      }
      Step current = current(s, f.get());
      Optional<Step> previous = config.ladder().previous(current);
      if (previous.isEmpty()) {
        return new MoveResult.Invalid(api + " is at " + current + ", the bottom of the ladder");
      }
      List<Gate> gates = Gates.of(current, inputs.health(api), config.gates(), now());
      MoveResult r = move(api, current, previous.get(), CutoverEvent.ROLLBACK, who, reason, gates);
      if (r instanceof MoveResult.Moved m) {
        lastRollback.put(api, m.event());
        rollbacks.add(1, Attributes.of(API, api, TRIGGER, "manual"));
      }
      return r;
    }
  }

  /** Drops this proxy's override of {@code api}: the flag source decides again. */
  public MoveResult clearOverride(String api, String who) {
    synchronized (moveLock) {
      FlagsSnapshot before = flags.snapshot();
      Optional<FlagOverride> cleared = flags.clear(api);
      if (cleared.isEmpty()) {
        return new MoveResult.Invalid("no override is held for " + api);
      }
      FlagsSnapshot after = flags.snapshot();
      String to = find(after, api).map(f -> current(after, f).toString()).orElse("?");
      CutoverEvent e =
          new CutoverEvent(
              now(),
              api,
              CutoverEvent.CLEAR_OVERRIDE,
              find(before, api)
                  .map(f -> current(before, f).toString())
                  .orElse(cleared.get().setting().toString()),
              to,
              who,
              "override was: " + cleared.get().reason(),
              "override",
              List.of());
      record(e);
      return new MoveResult.Moved(e);
    }
  }

  /** The latest {@code limit} moves, newest first. */
  public List<CutoverEvent> audit(int limit) {
    synchronized (audit) {
      List<CutoverEvent> out = new ArrayList<>(Math.min(limit, audit.size()));
      Iterator<CutoverEvent> it = audit.descendingIterator();
      while (it.hasNext() && out.size() < limit) {
        out.add(it.next());
      }
      return out;
    }
  }

  /**
   * One pass of the rollback checker: every API in NEW_PRIMARY whose window crosses a threshold for
   * the configured number of consecutive checks is stepped back to SHADOW, unless legacy is failing
   * in the window too: then the rollback is held (and done at a later check once legacy answers, if
   * a threshold is still crossed).
   */
  public void check() {
    FlagsSnapshot s = flags.snapshot();
    for (ApiFlag f : s.apis()) {
      String api = f.operation();
      if (current(s, f).mode() != Mode.NEW_PRIMARY) {
        streaks.remove(api);
        breaches.remove(api);
        holds.remove(api);
        continue;
      }
      HealthWindow.Stats stats = window.stats(api);
      Optional<String> breach = breach(stats, config.rollback());
      if (breach.isEmpty()) {
        streaks.remove(api);
        breaches.remove(api);
        holds.remove(api);
        continue;
      }
      breaches.put(api, breach.get());
      int streak = streaks.merge(api, 1, Integer::sum);
      if (streak >= config.rollback().consecutiveChecks()) {
        String why = breach.get() + " for " + streak + " consecutive checks";
        Optional<String> targetFailing = targetFailing(stats, config.rollback());
        if (targetFailing.isPresent()) {
          hold(api, current(s, f), why + "; held: " + targetFailing.get());
        } else {
          autoRollback(api, why);
        }
      }
    }
  }

  /**
   * Why legacy, the backend a rollback to SHADOW makes authoritative, cannot take authority now:
   * its own error rate in the window above the configured bound, or no call of it answered while
   * calls to it were dropped. Empty when it looks healthy (or had no calls due at all).
   */
  static Optional<String> targetFailing(HealthWindow.Stats s, RollbackConfig c) {
    BackendHealth l = s.legacy();
    if (l.calls() == 0) {
      return l.dropped() == 0
          ? Optional.empty()
          : Optional.of(
              "legacy answered no call in "
                  + s.windowSeconds()
                  + " s ("
                  + l.dropped()
                  + " calls to it dropped): rolling back would move authority onto it");
    }
    double rate = l.errorRatePercent();
    if (rate <= c.maxTargetErrorPercent()) {
      return Optional.empty();
    }
    return Optional.of(
        "legacy error rate "
            + Gates.percent(rate)
            + " ("
            + l.errors()
            + " errors, "
            + l.timeouts()
            + " timeouts of "
            + l.calls()
            + " calls in "
            + s.windowSeconds()
            + " s) is above "
            + Gates.percent(c.maxTargetErrorPercent())
            + ": rolling back would move authority onto a failing backend");
  }

  /** Audits and counts a hold once per episode; the API stays where it is. */
  private void hold(String api, Step current, String why) {
    synchronized (moveLock) {
      if (holds.containsKey(api)) {
        return; // already audited: one entry per hold, not one per check
      }
      CutoverEvent e =
          new CutoverEvent(
              now(),
              api,
              CutoverEvent.ROLLBACK_HELD,
              current.toString(),
              current.toString(),
              AUTO_ROLLBACK_WHO,
              why,
              "none",
              Gates.of(current, inputs.health(api), config.gates(), now()));
      holds.put(api, e);
      record(e);
      held.add(1, Attributes.of(API, api));
    }
  }

  private void autoRollback(String api, String why) {
    synchronized (moveLock) {
      FlagsSnapshot s = flags.snapshot();
      Optional<ApiFlag> f = find(s, api);
      if (f.isEmpty() || current(s, f.get()).mode() != Mode.NEW_PRIMARY) {
        return; // moved by someone else since the check read it
      }
      Step current = current(s, f.get());
      List<Gate> gates = Gates.of(current, inputs.health(api), config.gates(), now());
      MoveResult r =
          move(
              api,
              current,
              Step.of(Mode.SHADOW),
              CutoverEvent.AUTO_ROLLBACK,
              AUTO_ROLLBACK_WHO,
              why,
              gates);
      streaks.remove(api);
      holds.remove(api);
      if (r instanceof MoveResult.Moved m) {
        lastRollback.put(api, m.event());
        rollbacks.add(1, Attributes.of(API, api, TRIGGER, "auto"));
      } else {
        log.error(
            "auto-rollback of {} to SHADOW failed: {} (will retry at the next checks)", api, r);
      }
    }
  }

  /** The first rollback threshold {@code s} crosses, in words with its numbers. */
  static Optional<String> breach(HealthWindow.Stats s, RollbackConfig c) {
    BackendHealth n = s.newer();
    if (n.calls() < c.minCalls()) {
      return Optional.empty();
    }
    double legacyRate = s.legacy().errorRatePercent() == null ? 0 : s.legacy().errorRatePercent();
    double newRate = n.errorRatePercent();
    if (newRate - legacyRate > c.maxErrorExcessPoints()) {
      return Optional.of(
          "new error rate "
              + Gates.percent(newRate)
              + " ("
              + n.errors()
              + " errors, "
              + n.timeouts()
              + " timeouts of "
              + n.calls()
              + " calls in "
              + s.windowSeconds()
              + " s) exceeds legacy "
              + Gates.percent(legacyRate)
              + " + "
              + Gates.number(c.maxErrorExcessPoints())
              + " point");
    }
    Double legacyP99 = s.legacy().p99Ms();
    // Below 100 calls a p99 is the slowest call or so: one slow call must not roll back an API.
    if (n.calls() >= Math.max(c.minCalls(), MIN_P99_CALLS)
        && n.p99Ms() != null
        && legacyP99 != null
        && n.p99Ms() > c.maxP99Ratio() * legacyP99
        && n.p99Ms() - legacyP99 > c.minP99ExcessMs()) {
      return Optional.of(
          "new p99 "
              + Gates.number(n.p99Ms())
              + " ms exceeds "
              + Gates.number(c.maxP99Ratio())
              + " x legacy p99 "
              + Gates.number(legacyP99)
              + " ms (and by more than "
              + Gates.number(c.minP99ExcessMs())
              + " ms) over "
              + n.calls()
              + " calls in "
              + s.windowSeconds()
              + " s");
    }
    Double consistency = s.consistencyPercent();
    if (s.compared() >= c.minCalls()
        && consistency != null
        && consistency < c.minConsistencyPercent()) {
      return Optional.of(
          "consistency "
              + Gates.percent(consistency)
              + " ("
              + (s.compared() - s.consistent())
              + " inconsistent of "
              + s.compared()
              + " compared in "
              + s.windowSeconds()
              + " s"
              + (s.legacyFaulted() > 0
                  ? "; " + s.legacyFaulted() + " where legacy failed not counted"
                  : "")
              + ") is below "
              + Gates.percent(c.minConsistencyPercent()));
    }
    return Optional.empty();
  }

  private MoveResult move(
      String api, Step from, Step to, String action, String who, String why, List<Gate> gates) {
    String reason = why == null || why.isBlank() ? action : action + ": " + why;
    String via;
    if (flags.override(api).isPresent()) {
      flags.override(new FlagOverride(api, to.setting(), reason, who, now()));
      via = "override";
    } else {
      SetResult r = flags.set(api, to.mode(), to.rolloutPercent(), who);
      switch (r) {
        case SetResult.Applied a -> via = "flags";
        case SetResult.NotSupported n -> {
          // The source is read-only to the proxy (Unleash): hold the step here until cleared.
          flags.override(new FlagOverride(api, to.setting(), reason, who, now()));
          via = "override";
        }
        case SetResult.Invalid i -> {
          return new MoveResult.Invalid(i.message());
        }
        case SetResult.Failed x -> {
          return new MoveResult.Failed(x.message());
        }
      }
    }
    CutoverEvent e =
        new CutoverEvent(now(), api, action, from.toString(), to.toString(), who, why, via, gates);
    record(e);
    return new MoveResult.Moved(e);
  }

  private void record(CutoverEvent e) {
    synchronized (audit) {
      if (audit.size() == AUDIT_CAPACITY) {
        audit.removeFirst();
      }
      audit.addLast(e);
    }
    if (CutoverEvent.AUTO_ROLLBACK.equals(e.action())
        || CutoverEvent.ROLLBACK_HELD.equals(e.action())) {
      log.warn(
          "cutover {} {}: {} -> {} via {} because {}; gates {}",
          e.action(),
          e.api(),
          e.from(),
          e.to(),
          e.via(),
          e.why(),
          e.gates());
    } else {
      log.info(
          "cutover {} {}: {} -> {} via {} by {} because {}; gates {}",
          e.action(),
          e.api(),
          e.from(),
          e.to(),
          e.via(),
          e.who(),
          e.why(),
          e.gates());
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      // Logged once per 60 failures: a broken source fails every second.
      if (checkFailures++ % 60 == 0) {
        log.error("cutover rollback check failed ({} so far)", checkFailures, e);
      }
    }
  }

  /** The step the flags say: the configured mode and rollout, or the default mode for no flag. */
  private static Step current(FlagsSnapshot s, ApiFlag f) {
    if (f.configured() == null) {
      return Step.of(s.defaultMode());
    }
    // An Unleash rollout the admin view cannot read counts as 100%: the step of its mode.
    return new Step(f.configured(), f.rolloutPercent() == null ? 100 : f.rolloutPercent());
  }

  private static Optional<ApiFlag> find(FlagsSnapshot s, String api) {
    return s.apis().stream().filter(f -> f.operation().equals(api)).findFirst();
  }

  private static MoveResult unknownApi(String api, FlagsSnapshot s) {
    return new MoveResult.Invalid(
        "unknown API '"
            + api
            + "' (known: "
            + s.apis().stream().map(ApiFlag::operation).toList()
            + ")");
  }

  private Instant now() {
    return config.clock().instant();
  }

  /** Stops the checker (bounded wait). The flags and the window are the caller's. */
  @Override
  public void close() {
    for (AutoCloseable g : gauges) {
      try {
        g.close();
      } catch (Exception e) {
        log.debug("closing a cut-over gauge", e);
      }
    }
    ScheduledExecutorService ex = checker;
    if (ex != null) {
      ex.shutdownNow();
      try {
        ex.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Collects the cut-over's collaborators. */
  public static final class Builder {
    private final OverridingFlags flags;
    private CutoverConfig config = CutoverConfig.defaults();
    private HealthWindow window;
    private GateInputs inputs;
    private Function<String, ApiReadiness> readiness = api -> null;
    private Function<String, OptionalLong> pendingRepairs = GateInputs.REPAIRS_UNKNOWN;
    private Function<String, Optional<DriftScan>> lastDriftScan = GateInputs.DRIFT_UNKNOWN;
    private MeterProvider meterProvider = MeterProvider.noop();
    private boolean backendsFromReadiness;

    private Builder(OverridingFlags flags) {
      this.flags = Objects.requireNonNull(flags, "flags");
    }

    public Builder config(CutoverConfig c) {
      this.config = Objects.requireNonNull(c, "config");
      return this;
    }

    /** The diff pipeline's readiness per API (compared calls and consistency); default unknown. */
    public Builder readiness(Function<String, ApiReadiness> r) {
      this.readiness = Objects.requireNonNull(r, "readiness");
      return this;
    }

    /**
     * The error-rate and p99 gates read each backend's figures from {@link #readiness} (a fleet's:
     * every instance's calls) instead of this proxy's health window. The automatic rollback keeps
     * reading the window.
     */
    public Builder backendsFromReadiness(boolean fromReadiness) {
      this.backendsFromReadiness = fromReadiness;
      return this;
    }

    /** Pending repairs per API; default unknown (the gate fails with "unknown"). */
    public Builder pendingRepairs(Function<String, OptionalLong> r) {
      this.pendingRepairs = Objects.requireNonNull(r, "pendingRepairs");
      return this;
    }

    /** The last drift scan per API; default unknown (the NEW_ONLY gate fails with "unknown"). */
    public Builder lastDriftScan(Function<String, Optional<DriftScan>> d) {
      this.lastDriftScan = Objects.requireNonNull(d, "lastDriftScan");
      return this;
    }

    /** All gate inputs from one place, replacing readiness, repairs and drift (tests). */
    public Builder inputs(GateInputs i) {
      this.inputs = Objects.requireNonNull(i, "inputs");
      return this;
    }

    /** The window to read (default: one of the rollback config's length on its clock). */
    public Builder window(HealthWindow w) {
      this.window = Objects.requireNonNull(w, "window");
      return this;
    }

    public Builder meterProvider(MeterProvider m) {
      this.meterProvider = Objects.requireNonNull(m, "meterProvider");
      return this;
    }

    /** Builds it; {@link Cutover#start()} starts the checker. */
    public Cutover build() {
      return new Cutover(this);
    }
  }
}
