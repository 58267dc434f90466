package io.strangler.flags;

import io.getunleash.DefaultUnleash;
import io.getunleash.Unleash;
import io.getunleash.UnleashContext;
import io.getunleash.UnleashException;
import io.getunleash.event.ClientFeaturesResponse;
import io.getunleash.event.UnleashSubscriber;
import io.getunleash.metric.ClientMetrics;
import io.getunleash.metric.ClientRegistration;
import io.getunleash.metric.DefaultHttpMetricsSender;
import io.getunleash.metric.MetricSender;
import io.getunleash.repository.ToggleBootstrapFileProvider;
import io.getunleash.util.UnleashConfig;
import io.getunleash.variant.Variant;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flags from Unleash.
 *
 * <p><b>Toggles.</b> One toggle per API, {@code strangler.<Operation>}; its variant names the mode
 * ({@code LEGACY_ONLY}, {@code SHADOW}, {@code NEW_PRIMARY}, {@code NEW_ONLY}). The routing key is
 * the Unleash context's userId (and sessionId), so a {@code flexibleRollout} with stickiness {@code
 * userId} (or {@code default}) puts the same key on the same side every time.
 *
 * <ul>
 *   <li>Toggle on for the key and its variant names a mode: that mode (so weighted variants also
 *       work, each key sticking to its variant).
 *   <li>Toggle off for the key (outside the rollout, or the toggle disabled), or on without a
 *       variant: the previous mode of the toggle's configured mode, which is the most advanced mode
 *       its variants name; the default mode when it names none or there is no toggle.
 *   <li>Kill switches {@code strangler.kill.legacy} and {@code strangler.kill.new} (plain toggles,
 *       evaluated without a routing key) override every API, by {@link KillSwitches}.
 * </ul>
 *
 * <p>The configured mode and rollout of a toggle are read from the client-features JSON the client
 * last loaded (server fetch, backup file, bootstrap file), which the Unleash client does not
 * expose. For a client given from outside ({@code FakeUnleash} in tests) there is no such JSON: the
 * configured mode is what the toggle answers with no routing key, and the rollout shows as unknown.
 *
 * <p><b>Unreachable Unleash.</b> The client starts from its backup file (the last flags it
 * fetched), else the bootstrap file, else knows no toggles and every API gets the default mode. It
 * never throws into {@link #decide} and never blocks it: fetches run on background threads; the
 * error shows in {@link #snapshot()}.
 *
 * <p><b>Hot path.</b> {@link #decide} makes one Unleash evaluation (in memory) and otherwise reads
 * precomputed decisions from an immutable state. A daemon thread refreshes that state every refresh
 * interval (kill switches, configured modes), appending any change to the audit.
 */
public final class UnleashFlags implements FlagSource {
  private static final Logger LOG = LoggerFactory.getLogger(UnleashFlags.class);
  public static final String PREFIX = "strangler.";
  public static final String KILL_LEGACY = "strangler.kill.legacy";
  public static final String KILL_NEW = "strangler.kill.new";
  static final String SOURCE = "unleash";
  private static final UnleashContext NO_KEY = new UnleashContext(null, null, null, Map.of());
  private static final Map<String, Mode> MODES = new HashMap<>();
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);

  static {
    for (Mode m : Mode.values()) {
      MODES.put(m.name(), m);
    }
  }

  private final Unleash unleash;
  private final boolean ownsClient;
  private final Mode defaultMode;
  private final Set<String> knownOperations;
  private final FlagAudit audit;
  private final Clock clock;
  // The client-features JSON last loaded by a client built here; null for a client from outside.
  private final AtomicReference<String> features;
  private final ScheduledExecutorService refresher;

  private volatile State state;
  private volatile FlagsError fetchError;
  private volatile FlagsError viewError;
  private volatile FlagsError evaluationError;
  private volatile long lastEvaluationErrorNanos = System.nanoTime() - LOG_EVERY_NANOS;
  // Refresher thread only.
  private String parsedFeatures;
  private Map<String, ToggleDefinitions.Toggle> definitions = Map.of();

  private UnleashFlags(
      Unleash unleash, boolean ownsClient, AtomicReference<String> features, Builder b) {
    this.unleash = unleash;
    this.ownsClient = ownsClient;
    this.features = features;
    this.defaultMode = b.defaultMode;
    this.knownOperations = Set.copyOf(b.knownOperations);
    this.audit = b.audit;
    this.clock = b.clock;
    this.state = compute();
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strangler-flags-unleash-refresh");
              t.setDaemon(true);
              return t;
            });
    long every = b.refreshInterval.toMillis();
    refresher.scheduleWithFixedDelay(this::refreshSafely, every, every, TimeUnit.MILLISECONDS);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Decision decide(String operation, String routingKey) {
    State s = state;
    OpRule r = s.ops.get(operation);
    String toggle;
    Decision[] byMode;
    Decision outside;
    if (r != null) {
      toggle = r.toggle;
      byMode = r.byMode;
      outside = r.outside;
    } else {
      if (operation == null) {
        return s.fallback;
      }
      toggle = PREFIX + operation;
      byMode = s.unknownByMode;
      outside = s.fallback;
    }
    Variant v;
    try {
      v =
          unleash.getVariant(
              toggle,
              routingKey == null
                  ? NO_KEY
                  : new UnleashContext(routingKey, routingKey, null, Map.of()));
    } catch (RuntimeException e) {
      evaluationFailed(toggle, e);
      return outside;
    }
    if (v != null && v.isEnabled()) {
      Mode m = MODES.get(v.getName());
      if (m != null) {
        return byMode[m.ordinal()];
      }
    }
    return outside;
  }

  @Override
  public FlagsSnapshot snapshot() {
    State s = state;
    List<ApiFlag> apis = new ArrayList<>(s.ops.size());
    new TreeMap<>(s.ops).values().forEach(r -> apis.add(r.view));
    FlagsError error = fetchError;
    if (error == null) {
      error = viewError;
    }
    if (error == null) {
      error = evaluationError;
    }
    return new FlagsSnapshot(SOURCE, defaultMode, s.killLegacy, s.killNew, apis, error);
  }

  @Override
  public SetResult set(String operation, Mode mode, int rolloutPercent, String who) {
    return new SetResult.NotSupported(
        "flags are managed in Unleash: change toggle "
            + PREFIX
            + operation
            + " there (its variant names the mode, its flexibleRollout strategy the rollout)");
  }

  @Override
  public List<AuditEntry> audit(int limit) {
    return audit.latest(limit);
  }

  /** Re-reads toggles now (the refresher does this every refresh interval). */
  synchronized void refresh() {
    State before = state;
    State after = compute();
    if (!after.sameAs(before)) {
      state = after;
      for (AuditEntry e : diff(before, after)) {
        audit.append(e);
      }
    }
  }

  /** Stops refreshing; shuts the Unleash client down if it was built here. The audit stays open. */
  @Override
  public void close() {
    refresher.shutdownNow();
    if (ownsClient) {
      unleash.shutdown();
    }
  }

  private void refreshSafely() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.warn("refreshing Unleash flags failed; keeping the current ones", e);
    }
  }

  private void evaluationFailed(String toggle, RuntimeException e) {
    long now = System.nanoTime();
    if (now - lastEvaluationErrorNanos >= LOG_EVERY_NANOS) {
      lastEvaluationErrorNanos = now;
      evaluationError =
          new FlagsError(
              "evaluating " + toggle + " failed: " + e + "; answering without Unleash",
              clock.instant());
      LOG.warn("evaluating {} failed; answering without Unleash (logged once a minute)", toggle, e);
    }
  }

  private State compute() {
    Map<String, View> views = new HashMap<>();
    List<String> bad = new ArrayList<>();
    Set<String> toggles = new TreeSet<>();
    State previous = state; // null while the constructor computes the first state
    boolean killLegacy =
        enabledWithoutKey(KILL_LEGACY, previous != null && previous.killLegacy, bad);
    boolean killNew = enabledWithoutKey(KILL_NEW, previous != null && previous.killNew, bad);
    if (features != null) {
      String raw = features.get();
      if (raw != null && !raw.equals(parsedFeatures)) {
        try {
          definitions = ToggleDefinitions.parse(raw, PREFIX);
        } catch (IllegalArgumentException e) {
          bad.add(e.getMessage());
        }
        parsedFeatures = raw;
      }
      toggles.addAll(definitions.keySet());
    } else {
      toggles.addAll(unleash.more().getFeatureToggleNames());
    }
    Set<String> ops = new TreeSet<>(knownOperations);
    for (String t : toggles) {
      if (t.startsWith(PREFIX) && isOperation(t.substring(PREFIX.length()))) {
        ops.add(t.substring(PREFIX.length()));
      }
    }
    for (String op : ops) {
      String toggle = PREFIX + op;
      View v;
      try {
        v = features != null ? fromDefinition(toggle) : probe(toggle, toggles.contains(toggle));
      } catch (RuntimeException e) {
        bad.add("evaluating " + toggle + " failed: " + e);
        v = new View(true, null, null, List.of());
      }
      for (String name : v.badVariants) {
        bad.add(
            "toggle "
                + toggle
                + ": variant '"
                + name
                + "' is not a mode (expected one of LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY)");
      }
      views.put(op, v);
    }
    FlagsError current = viewError;
    String message = bad.isEmpty() ? null : String.join("; ", bad);
    if (message == null) {
      viewError = null;
    } else if (current == null || !current.message().equals(message)) {
      viewError = new FlagsError(message, clock.instant());
      LOG.warn(message);
    }
    return State.of(views, killLegacy, killNew, defaultMode);
  }

  private View fromDefinition(String toggle) {
    ToggleDefinitions.Toggle t = definitions.get(toggle);
    return t == null ? View.NONE : new View(true, t.mode(), t.rolloutPercent(), t.badVariants());
  }

  private View probe(String toggle, boolean exists) {
    if (!exists) {
      return View.NONE;
    }
    Variant v = unleash.getVariant(toggle, NO_KEY);
    if (v != null && v.isEnabled()) {
      Mode m = MODES.get(v.getName());
      return m != null
          ? new View(true, m, null, List.of())
          : new View(true, null, null, List.of(v.getName()));
    }
    return new View(true, null, null, List.of());
  }

  private boolean enabledWithoutKey(String toggle, boolean previous, List<String> bad) {
    try {
      return unleash.isEnabled(toggle, NO_KEY, false);
    } catch (RuntimeException e) {
      bad.add(
          "evaluating "
              + toggle
              + " failed: "
              + e
              + "; keeping it "
              + CompiledFlags.onOff(previous));
      return previous;
    }
  }

  private static boolean isOperation(String name) {
    try {
      FlagsFile.checkOperation(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private List<AuditEntry> diff(State a, State b) {
    List<AuditEntry> out = new ArrayList<>();
    var at = clock.instant();
    if (a.killLegacy != b.killLegacy) {
      out.add(
          new AuditEntry(
              at,
              SOURCE,
              "kill.legacy",
              CompiledFlags.onOff(a.killLegacy),
              CompiledFlags.onOff(b.killLegacy),
              null));
    }
    if (a.killNew != b.killNew) {
      out.add(
          new AuditEntry(
              at,
              SOURCE,
              "kill.new",
              CompiledFlags.onOff(a.killNew),
              CompiledFlags.onOff(b.killNew),
              null));
    }
    Set<String> ops = new TreeSet<>(a.views.keySet());
    ops.addAll(b.views.keySet());
    for (String op : ops) {
      String from = a.views.getOrDefault(op, View.NONE).render();
      String to = b.views.getOrDefault(op, View.NONE).render();
      if (!from.equals(to)) {
        out.add(new AuditEntry(at, SOURCE, op, from, to, null));
      }
    }
    return out;
  }

  /** What a toggle says regardless of any routing key. */
  private record View(boolean exists, Mode mode, Integer rolloutPercent, List<String> badVariants) {
    static final View NONE = new View(false, null, null, List.of());

    String render() {
      if (!exists) {
        return "none";
      }
      if (mode == null) {
        return "toggle without a mode";
      }
      return rolloutPercent == null
          ? mode.name() + " (custom rollout)"
          : new ApiSetting(mode, rolloutPercent).toString();
    }
  }

  /** One API's precomputed answers. */
  private record OpRule(String toggle, Decision[] byMode, Decision outside, ApiFlag view) {}

  /** Everything decide() needs, immutable once published. */
  private static final class State {
    final Map<String, View> views;
    final boolean killLegacy;
    final boolean killNew;
    final Map<String, OpRule> ops;
    final Decision[] unknownByMode;
    final Decision fallback;

    private State(
        Map<String, View> views,
        boolean killLegacy,
        boolean killNew,
        Map<String, OpRule> ops,
        Decision[] unknownByMode,
        Decision fallback) {
      this.views = views;
      this.killLegacy = killLegacy;
      this.killNew = killNew;
      this.ops = ops;
      this.unknownByMode = unknownByMode;
      this.fallback = fallback;
    }

    static State of(
        Map<String, View> views, boolean killLegacy, boolean killNew, Mode defaultMode) {
      Decision fallback =
          KillSwitches.apply(new Decision(defaultMode, ApiFlag.DEFAULT), killLegacy, killNew);
      Decision[] byMode = new Decision[Mode.values().length];
      for (Mode m : Mode.values()) {
        byMode[m.ordinal()] = KillSwitches.apply(new Decision(m, SOURCE), killLegacy, killNew);
      }
      // A HashMap, not Map.copyOf: get(null) must answer null, not throw, on the request path.
      Map<String, OpRule> ops = new HashMap<>();
      views.forEach(
          (op, v) -> {
            Decision outside =
                v.mode == null
                    ? fallback
                    : KillSwitches.apply(
                        new Decision(v.mode.previous(), SOURCE + ", outside rollout"),
                        killLegacy,
                        killNew);
            Mode in = v.mode == null ? fallback.mode() : byMode[v.mode.ordinal()].mode();
            boolean killed =
                v.mode == null
                    ? fallback.mode() != defaultMode
                    : in != v.mode || outside.mode() != v.mode.previous();
            String source = killed ? ApiFlag.KILL_SWITCH : v.exists ? SOURCE : ApiFlag.DEFAULT;
            ApiFlag view = new ApiFlag(op, v.mode, v.rolloutPercent, in, outside.mode(), source);
            ops.put(op, new OpRule(PREFIX + op, byMode, outside, view));
          });
      return new State(Map.copyOf(views), killLegacy, killNew, ops, byMode, fallback);
    }

    boolean sameAs(State o) {
      return killLegacy == o.killLegacy && killNew == o.killNew && views.equals(o.views);
    }
  }

  /**
   * The backup file of the Unleash client of {@code appName} on instance {@code instanceId} when
   * none is configured: in the temporary directory, one per instance.
   */
  public static Path defaultBackupFile(String appName, String instanceId) {
    return Path.of(
        System.getProperty("java.io.tmpdir"),
        "unleash-" + appName + "-" + fileSafe(instanceId) + "-repo.json");
  }

  /** {@code s} with every character but letters, digits, '.' and '-' replaced by '_'. */
  public static String fileSafe(String s) {
    return s.replaceAll("[^A-Za-z0-9.-]", "_");
  }

  /** Where the flags come from and how they are refreshed; {@link #build()} validates. */
  public static final class Builder {
    private URI api;
    private String apiToken;
    private boolean offline;
    private Unleash client;
    private String appName = "strangler";
    private String instanceId;
    private Path backupFile;
    private Path bootstrapFile;
    private Duration fetchInterval = Duration.ofSeconds(15);
    private Duration refreshInterval = Duration.ofMillis(250);
    private Mode defaultMode = Mode.LEGACY_ONLY;
    private Collection<String> knownOperations = List.of();
    private FlagAudit audit = FlagAudit.none();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** An Unleash server's client API ({@code https://unleash.example/api/}) and client token. */
    public Builder api(URI api, String apiToken) {
      this.api = Objects.requireNonNull(api, "api");
      this.apiToken = apiToken;
      return this;
    }

    /** No server: flags from the backup file, else the bootstrap file, else the defaults. */
    public Builder offline() {
      this.offline = true;
      return this;
    }

    /** A client built elsewhere (e.g. {@code FakeUnleash}); not shut down by {@link #close}. */
    public Builder client(Unleash client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    public Builder appName(String appName) {
      this.appName = Objects.requireNonNull(appName, "appName");
      return this;
    }

    public Builder instanceId(String instanceId) {
      this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
      return this;
    }

    /**
     * Where the client keeps the last flags it fetched, read at startup when Unleash is
     * unreachable. Defaults to one of this instance's own, {@code
     * <tmpdir>/unleash-<appName>-<instanceId>-repo.json} (the id's characters other than letters,
     * digits, '.' and '-' as '_'), when an {@link #instanceId} is given: two proxies on one host
     * never start from each other's flags. Without either, Unleash's own default ({@code
     * <tmpdir>/unleash-<appName>-repo.json}, shared by every client of that app name).
     */
    public Builder backupFile(Path file) {
      this.backupFile = Objects.requireNonNull(file, "backupFile");
      return this;
    }

    /** Flags in client-features format to start from when there is no backup file yet. */
    public Builder bootstrapFile(Path file) {
      this.bootstrapFile = Objects.requireNonNull(file, "bootstrapFile");
      return this;
    }

    /** How often the client fetches from the server (whole seconds, at least 1). */
    public Builder fetchInterval(Duration interval) {
      if (interval.toSeconds() < 1) {
        throw new IllegalArgumentException("fetchInterval must be at least 1 s, got " + interval);
      }
      this.fetchInterval = interval;
      return this;
    }

    /** How often kill switches and configured modes are re-read from the client (10 ms .. 5 s). */
    public Builder refreshInterval(Duration interval) {
      if (interval.compareTo(Duration.ofMillis(10)) < 0
          || interval.compareTo(Duration.ofSeconds(5)) > 0) {
        throw new IllegalArgumentException(
            "refreshInterval must be within 10 ms .. 5 s, got " + interval);
      }
      this.refreshInterval = interval;
      return this;
    }

    /** The mode of an API with no toggle (LEGACY_ONLY unless set). */
    public Builder defaultMode(Mode mode) {
      this.defaultMode = Objects.requireNonNull(mode, "defaultMode");
      return this;
    }

    /** The operations the proxy serves, listed in the snapshot even without a toggle. */
    public Builder knownOperations(Collection<String> operations) {
      for (String op : operations) {
        FlagsFile.checkOperation(op);
      }
      this.knownOperations = List.copyOf(operations);
      return this;
    }

    public Builder audit(FlagAudit audit) {
      this.audit = Objects.requireNonNull(audit, "audit");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the source. With {@link #api} or {@link #offline} it builds an Unleash client whose
     * first fetch runs in the background: this returns at once, even with the server down.
     *
     * @throws IllegalArgumentException when the settings contradict each other or say nothing
     */
    public UnleashFlags build() {
      int ways = (api != null ? 1 : 0) + (offline ? 1 : 0) + (client != null ? 1 : 0);
      if (ways != 1) {
        throw new IllegalArgumentException(
            "say where the flags come from, exactly one of: api(URI, token) for an Unleash server,"
                + " offline() for the backup/bootstrap file only, client(Unleash) for a client"
                + " built elsewhere");
      }
      if (client != null) {
        if (backupFile != null || bootstrapFile != null) {
          throw new IllegalArgumentException(
              "backupFile and bootstrapFile configure a client built here; client(Unleash) brings"
                  + " its own");
        }
        return new UnleashFlags(client, false, null, this);
      }
      if (bootstrapFile != null && !Files.isReadable(bootstrapFile)) {
        throw new IllegalArgumentException(
            "Unleash bootstrap file " + bootstrapFile.toAbsolutePath() + " is not readable");
      }
      AtomicReference<String> features = new AtomicReference<>();
      UnleashExecutor executor = new UnleashExecutor();
      UnleashConfig.Builder c =
          UnleashConfig.builder()
              .appName(appName)
              .instanceId(
                  instanceId != null
                      ? instanceId
                      : appName
                          + "-"
                          + ProcessHandle.current().pid()
                          + "-"
                          + INSTANCES.incrementAndGet())
              .unleashAPI(api != null ? api : URI.create("http://unleash.invalid/api/"))
              .scheduledExecutor(executor)
              .subscriber(new Subscriber(features, this))
              .fetchTogglesInterval(fetchInterval.toSeconds())
              .fetchTogglesConnectTimeout(Duration.ofSeconds(5))
              .sendMetricsConnectTimeout(Duration.ofSeconds(2));
      if (apiToken != null) {
        c.apiKey(apiToken);
      }
      if (offline) {
        c.disablePolling().disableMetrics();
      } else {
        // The client registers itself over HTTP inside its constructor; a hanging server would
        // hold up startup for the read timeout. Registration goes to the background instead.
        c.metricsSenderFactory(
            config -> {
              MetricSender http = new DefaultHttpMetricsSender(config);
              return new MetricSender() {
                @Override
                public int registerClient(ClientRegistration registration) {
                  executor.runInBackground(() -> http.registerClient(registration));
                  return -1;
                }

                @Override
                public int sendMetrics(ClientMetrics metrics) {
                  return http.sendMetrics(metrics);
                }
              };
            });
      }
      Path backup =
          backupFile != null
              ? backupFile
              : instanceId != null ? defaultBackupFile(appName, instanceId) : null;
      if (backup != null) {
        c.backupFile(backup.toString());
      }
      if (bootstrapFile != null) {
        ToggleBootstrapFileProvider file =
            new ToggleBootstrapFileProvider(bootstrapFile.toString());
        c.toggleBootstrapProvider(
            () -> {
              Optional<String> json = file.read();
              json.ifPresent(features::set);
              return json;
            });
      }
      UnleashConfig config = c.build();
      // The client loads its backup file first and the bootstrap only without one: mirror that.
      try {
        features.set(Files.readString(Path.of(config.getBackupFile())));
      } catch (IOException e) {
        // No backup yet: the bootstrap provider above records what the client loads instead.
      }
      DefaultUnleash unleash;
      try {
        unleash = new DefaultUnleash(config);
      } catch (RuntimeException e) {
        executor.shutdown();
        throw e;
      }
      executor.built();
      UnleashFlags flags = new UnleashFlags(unleash, true, features, this);
      ((Subscriber) config.getSubscriber()).attach(flags);
      return flags;
    }
  }

  /** Hears what the client's background work finds: new flags, and failures to fetch them. */
  private static final class Subscriber implements UnleashSubscriber {
    private final AtomicReference<String> features;
    private final Clock clock;
    private volatile UnleashFlags flags;
    private volatile FlagsError early;

    Subscriber(AtomicReference<String> features, Builder b) {
      this.features = features;
      this.clock = b.clock;
    }

    void attach(UnleashFlags f) {
      FlagsError e = early;
      if (e != null && f.fetchError == null) {
        f.fetchError = e;
      }
      flags = f;
    }

    @Override
    public void togglesFetched(ClientFeaturesResponse response) {
      switch (response.getStatus()) {
        case CHANGED -> {
          response.getClientFeatures().ifPresent(features::set);
          error(null);
        }
        case NOT_CHANGED -> error(null);
        case UNAVAILABLE ->
            error(
                "Unleash answered HTTP "
                    + response.getHttpStatusCode()
                    + "; using the last known flags (backup file), else the defaults");
      }
    }

    @Override
    public void onError(UnleashException e) {
      if (String.valueOf(e.getMessage()).startsWith("Could not post to Unleash API")) {
        // Usage metrics and registration, not flags: nothing to show on the flags page.
        LOG.debug("Unleash metrics not sent", e);
        return;
      }
      Throwable cause = e.getCause();
      error(
          "Unleash: "
              + e.getMessage()
              + (cause != null ? " (" + cause + ")" : "")
              + "; using the last known flags (backup file), else the defaults");
    }

    private void error(String message) {
      FlagsError next = message == null ? null : new FlagsError(message, clock.instant());
      UnleashFlags f = flags;
      FlagsError current = f != null ? f.fetchError : early;
      if (message != null && (current == null || !current.message().equals(message))) {
        LOG.warn(message);
      } else if (message != null) {
        next = current; // same problem: keep when it started
      }
      if (f != null) {
        f.fetchError = next;
      } else {
        early = next;
      }
    }
  }
}
