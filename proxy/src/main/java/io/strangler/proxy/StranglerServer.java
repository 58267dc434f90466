package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.DiffRulesFile;
import io.strangler.api.Operation;
import io.strangler.cutover.Cutover;
import io.strangler.cutover.CutoverConfig;
import io.strangler.cutover.CutoverRoutes;
import io.strangler.cutover.HealthWindow;
import io.strangler.dashboards.DashboardPage;
import io.strangler.diff.DiffRules;
import io.strangler.diff.report.ApiReadiness;
import io.strangler.diff.report.DiffAdmin;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.DiffPipeline;
import io.strangler.diff.report.MismatchStore;
import io.strangler.diff.report.SampleStore;
import io.strangler.diff.report.Telemetry;
import io.strangler.dispatch.AdminResponse;
import io.strangler.dispatch.AdminRoutes;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.CountingSink;
import io.strangler.dispatch.DispatchServer;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.PendingShadowWrites;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.ApiFlag;
import io.strangler.flags.Decision;
import io.strangler.flags.FlagSource;
import io.strangler.flags.FlagsSnapshot;
import io.strangler.flags.KillSwitches;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.flags.SetResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The assembled proxy: the control API bound into the dual-dispatch server over the two real
 * backends, the flags, the outcome sink and the admin routes. Owns everything it is given and
 * closes it in reverse order.
 */
public final class StranglerServer implements AutoCloseable {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  private final DispatchServer server;
  private final CountingSink counts;
  private final DiffPipeline pipeline;
  private final TrafficRecorder recorder;
  private final RepairWiring repairs;
  private final List<AutoCloseable> owned;

  private StranglerServer(
      DispatchServer server,
      CountingSink counts,
      DiffPipeline pipeline,
      TrafficRecorder recorder,
      RepairWiring repairs,
      List<AutoCloseable> owned) {
    this.server = server;
    this.counts = counts;
    this.pipeline = pipeline;
    this.recorder = recorder;
    this.repairs = repairs;
    this.owned = owned;
  }

  /**
   * How the diff reporter runs: its config, where mismatch samples are kept (null: not kept), and
   * whether this instance counts in a fleet's numbers kept in the same PostgreSQL (null: readiness
   * is this process's alone).
   */
  public record DiffSetup(
      DiffConfig config, PostgresEndpoint samples, Clock clock, FleetSetup fleet) {
    public DiffSetup {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(clock, "clock");
      if (fleet != null && samples == null) {
        throw new IllegalArgumentException(
            "a fleet needs the PostgreSQL of the samples: give both");
      }
    }

    /** Without a fleet. */
    public DiffSetup(DiffConfig config, PostgresEndpoint samples, Clock clock) {
      this(config, samples, clock, null);
    }

    /** This setup, counting in a fleet's numbers. */
    public DiffSetup withFleet(FleetSetup fleet) {
      return new DiffSetup(config, samples, clock, Objects.requireNonNull(fleet, "fleet"));
    }

    /** Every call compared with the bundled rules; samples in {@code samples}. */
    public static DiffSetup defaults(PostgresEndpoint samples) {
      return new DiffSetup(
          DiffConfig.builder()
              .apis(Operation.ALL.stream().map(Operation::name).toList())
              .rules(DiffRules.load(DiffRulesFile.url()))
              .build(),
          samples,
          Clock.systemUTC());
    }
  }

  /** Starts serving without recording traffic; on failure closes what it was given. */
  public static StranglerServer start(
      ProxyConfig config,
      ControlPlane legacy,
      ControlPlane controlPlane,
      FlagSource flags,
      DiffSetup diff) {
    return start(config, legacy, controlPlane, flags, diff, TrafficRecorder.disabled());
  }

  /**
   * Starts serving, every call also handed to {@code recorder}; on failure closes what it was
   * given.
   */
  public static StranglerServer start(
      ProxyConfig config,
      ControlPlane legacy,
      ControlPlane controlPlane,
      FlagSource flags,
      DiffSetup diff,
      TrafficRecorder recorder) {
    return start(config, legacy, legacy, controlPlane, controlPlane, flags, diff, recorder);
  }

  /**
   * Starts serving with a separate plane (and so a separate connection pool) per store for shadow
   * calls and re-reads, so that a stalled shadow side cannot take the authoritative side's
   * connections; on failure closes what it was given.
   */
  public static StranglerServer start(
      ProxyConfig config,
      ControlPlane legacy,
      ControlPlane legacyShadow,
      ControlPlane controlPlane,
      ControlPlane controlPlaneShadow,
      FlagSource flags,
      DiffSetup diff,
      TrafficRecorder recorder) {
    return start(
        config,
        legacy,
        legacyShadow,
        controlPlane,
        controlPlaneShadow,
        OverridingFlags.wrap(flags),
        diff,
        recorder,
        CutoverConfig.defaults());
  }

  /**
   * As above, one plane per store, with the cut-over's ladder, gates and automatic rollback
   * configured.
   */
  public static StranglerServer start(
      ProxyConfig config,
      ControlPlane legacy,
      ControlPlane controlPlane,
      OverridingFlags flags,
      DiffSetup diff,
      TrafficRecorder recorder,
      CutoverConfig cutoverConfig) {
    return start(
        config, legacy, legacy, controlPlane, controlPlane, flags, diff, recorder, cutoverConfig);
  }

  /** Shadow planes per store and the cut-over, without repairs of failed shadow writes. */
  public static StranglerServer start(
      ProxyConfig config,
      ControlPlane legacy,
      ControlPlane legacyShadow,
      ControlPlane controlPlane,
      ControlPlane controlPlaneShadow,
      OverridingFlags flags,
      DiffSetup diff,
      TrafficRecorder recorder,
      CutoverConfig cutoverConfig) {
    return start(
        config,
        legacy,
        legacyShadow,
        controlPlane,
        controlPlaneShadow,
        flags,
        diff,
        recorder,
        cutoverConfig,
        null);
  }

  /** Everything configured: shadow planes per store, the cut-over and (when not null) repairs. */
  public static StranglerServer start(
      ProxyConfig config,
      ControlPlane legacy,
      ControlPlane legacyShadow,
      ControlPlane controlPlane,
      ControlPlane controlPlaneShadow,
      OverridingFlags flags,
      DiffSetup diff,
      TrafficRecorder recorder,
      CutoverConfig cutoverConfig,
      RepairWiring.Setup repairSetup) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(diff, "diff");
    Objects.requireNonNull(recorder, "recorder");
    // Closed in reverse: the proxy first (it drains shadow writes into the pipeline and the
    // recorder), then the pipeline, the sample store, telemetry, the recorder, and last the
    // backends and flags.
    List<AutoCloseable> owned = new ArrayList<>(List.of(legacy, controlPlane));
    if (legacyShadow != legacy) {
      owned.add(legacyShadow);
    }
    if (controlPlaneShadow != controlPlane) {
      owned.add(controlPlaneShadow);
    }
    owned.addAll(List.of(flags, recorder));
    try {
      ApiRegistry apis = ControlApiBinding.registry();
      Backend legacyBackend = ControlApiBinding.backend(legacy);
      Backend newBackend = ControlApiBinding.backend(controlPlane);
      Backend legacyShadowBackend =
          legacyShadow == legacy ? legacyBackend : ControlApiBinding.backend(legacyShadow);
      Backend newShadowBackend =
          controlPlaneShadow == controlPlane
              ? newBackend
              : ControlApiBinding.backend(controlPlaneShadow);
      Telemetry telemetry = Telemetry.create();
      owned.add(telemetry);
      // The proxy's lanes, for repairs and rechecks to wait for: set once the proxy is up.
      AtomicReference<PendingShadowWrites> lanes = new AtomicReference<>(PendingShadowWrites.NONE);
      RepairWiring repairs =
          repairSetup == null
              ? null
              : RepairWiring.start(
                  repairSetup, apis, flags, telemetry.meterProvider(), diff.clock());
      if (repairs != null) {
        owned.add(repairs);
      }
      SampleStore samples =
          diff.samples() == null
              ? SampleStore.disabled()
              : MismatchStore.open(
                  diff.samples().jdbcUrl(),
                  diff.samples().user(),
                  diff.samples().password(),
                  diff.config(),
                  diff.clock());
      if (samples instanceof AutoCloseable closeable) {
        owned.add(closeable);
      }
      // Before the pipeline, so closed after it: its last results are counted and written.
      Fleet fleet =
          diff.fleet() == null
              ? null
              : Fleet.open(
                  diff.samples(),
                  instanceId(config),
                  diff.config(),
                  diff.clock(),
                  diff.fleet(),
                  flags);
      if (fleet != null) {
        owned.add(fleet);
        fleet.counters().registerMetrics(telemetry.meterProvider());
      }
      // The cut-over's window: fed by the sink (outcomes) and the pipeline (verdicts).
      HealthWindow health =
          new HealthWindow(cutoverConfig.rollback().window(), cutoverConfig.clock());
      DiffPipeline.Builder pipelineBuilder =
          DiffPipeline.builder(diff.config())
              .clock(diff.clock())
              .rereader(
                  DiffWiring.rereader(
                      apis, legacyShadowBackend, newShadowBackend, diff.clock(), lanes::get))
              .meterProvider(telemetry.meterProvider())
              .modes(() -> modes(flags))
              .samples(samples)
              .listener(health);
      if (fleet != null) {
        pipelineBuilder.listener(fleet.counters());
      }
      DiffPipeline pipeline = pipelineBuilder.build();
      owned.add(pipeline);
      Function<String, ApiReadiness> gateReadiness =
          fleet != null ? fleet::gateReadiness : pipeline.readiness()::of;
      Cutover.Builder cutoverBuilder =
          Cutover.builder(flags)
              .config(cutoverConfig)
              .window(health)
              .readiness(gateReadiness)
              // In a fleet the error-rate and p99 gates read every instance's calls too.
              .backendsFromReadiness(fleet != null)
              .meterProvider(telemetry.meterProvider());
      if (repairs != null) {
        cutoverBuilder
            .pendingRepairs(repairs::pendingRepairs)
            .lastDriftScan(repairs::lastDriftScan);
      }
      Cutover cutover = cutoverBuilder.build().start();
      owned.add(cutover);
      CountingSink counts = new CountingSink();
      // The repair journal first: it only classifies and enqueues.
      OutcomeSink sink =
          (repairs == null ? counts : repairs.journal().andThen(counts))
              .andThen(recorder)
              .andThen(DiffWiring.sink(pipeline))
              .andThen(cutover.window());
      AdminRoutes admin =
          AdminRoutes.builder()
              .add(flagRoutes(flags, fleet))
              .add(statsRoutes(counts))
              .add(
                  diffRoutes(
                      pipeline, telemetry, fleet, repairs == null ? r -> r : repairs::readiness))
              .add(repairs == null ? AdminRoutes.empty() : repairs.routes())
              .add(recorder.routes())
              .add(CutoverRoutes.of(cutover))
              .openGet(
                  DashboardPage.PATH,
                  req ->
                      AdminResponse.bytes(200, "text/html; charset=utf-8", DashboardPage.html())
                          .withHeaders(DashboardPage.headers()))
              .build();
      DispatchServer server =
          DispatchServer.builder(config)
              .apis(apis)
              .flags(flags)
              .legacy(legacyBackend, legacyShadowBackend)
              .newer(newBackend, newShadowBackend)
              .sink(sink)
              .admin(admin)
              .start();
      lanes.set(server.pendingShadowWrites());
      if (repairs != null) {
        repairs.awaitShadowWrites(server.pendingShadowWrites(), config.shadowDeadline());
      }
      return new StranglerServer(server, counts, pipeline, recorder, repairs, owned);
    } catch (RuntimeException e) {
      closeAll(owned, e);
      throw e;
    }
  }

  /**
   * The mode each API is dispatched in, for the {@code strangler_api_mode} gauge: the configured
   * mode (the default mode for an API without a flag) with the kill switches applied ({@code
   * UNAVAILABLE} when both are on). Under a partial rollout it is the mode of the keys in the
   * rollout.
   */
  static Map<String, String> modes(FlagSource flags) {
    FlagsSnapshot snapshot = flags.snapshot();
    Map<String, String> m = new TreeMap<>();
    for (ApiFlag f : snapshot.apis()) {
      // An API without a flag (no Unleash toggle) runs in the default mode: it gets its series too.
      Mode configured = f.configured() != null ? f.configured() : snapshot.defaultMode();
      Decision d =
          KillSwitches.apply(
              new Decision(configured, f.source()), snapshot.killLegacy(), snapshot.killNew());
      m.put(f.operation(), d.isUnavailable() ? "UNAVAILABLE" : d.mode().name());
    }
    return m;
  }

  /** This instance's id in a fleet: the configured one, else {@code host:port}. */
  static String instanceId(ProxyConfig config) {
    return config.instanceId() != null
        ? config.instanceId()
        : ProxyConfig.defaultInstanceId(config.port());
  }

  static AdminRoutes diffRoutes(
      DiffPipeline pipeline,
      Telemetry telemetry,
      Fleet fleet,
      java.util.function.UnaryOperator<JsonNode> readiness) {
    DiffAdmin diff = pipeline.admin();
    return AdminRoutes.builder()
        .get(
            "/metrics", req -> AdminResponse.text(200, telemetry.contentType(), telemetry.scrape()))
        .get(
            "/admin/readiness",
            req ->
                fleet != null
                    ? fleet.readinessRoute(req, diff, pipeline.readiness(), readiness)
                    : AdminResponse.ok(readiness.apply(diff.readiness())))
        .get("/admin/diff", req -> AdminResponse.ok(diff.diff()))
        .get(
            "/admin/mismatches",
            req -> {
              int limit = req.intParam("limit", 1, DiffAdmin.MAX_LIMIT, DiffAdmin.DEFAULT_LIMIT);
              return AdminResponse.ok(
                  diff.mismatches(req.queryParam("api").filter(a -> !a.isBlank()), limit));
            })
        .get(
            "/admin/mismatches/{id}",
            req -> {
              long id = req.longPathParam("id");
              return diff.mismatch(id)
                  .map(AdminResponse::ok)
                  .orElseGet(
                      () -> AdminResponse.error(404, "NOT_FOUND", "no mismatch sample " + id));
            })
        .build();
  }

  static AdminRoutes flagRoutes(FlagSource flags, Fleet fleet) {
    return AdminRoutes.builder()
        .get(
            "/admin/flags",
            req -> {
              ObjectNode body = JSON.valueToTree(flags.snapshot());
              if (fleet != null) {
                fleet.addFlagVersions(body);
              }
              return AdminResponse.ok(body);
            })
        .get(
            "/admin/flags/audit",
            req -> {
              int limit = req.intParam("limit", 1, 1000, 100);
              ObjectNode body = JSON.createObjectNode();
              body.set("entries", JSON.valueToTree(flags.audit(limit)));
              return AdminResponse.ok(body);
            })
        .put(
            "/admin/flags/{operation}",
            req -> {
              JsonNode body = req.body();
              if (!body.isObject() || !body.hasNonNull("mode")) {
                return AdminResponse.error(
                    400,
                    "INVALID_ARGUMENT",
                    "body must be {\"mode\": ..., \"rolloutPercent\": 0..100}");
              }
              Mode mode;
              try {
                mode = Mode.parse(body.get("mode").asText());
              } catch (IllegalArgumentException e) {
                return AdminResponse.error(400, "INVALID_ARGUMENT", e.getMessage());
              }
              JsonNode rollout = body.get("rolloutPercent");
              if (rollout != null && !rollout.isNull() && !rollout.canConvertToInt()) {
                return AdminResponse.error(
                    400, "INVALID_ARGUMENT", "rolloutPercent must be an integer 0..100");
              }
              int percent = rollout == null || rollout.isNull() ? 100 : rollout.asInt();
              String who =
                  body.hasNonNull("who")
                      ? body.get("who").asText()
                      : req.header("x-strangler-user").orElse("admin@" + req.remote());
              SetResult result = flags.set(req.pathParam("operation"), mode, percent, who);
              return switch (result) {
                case SetResult.Applied a -> AdminResponse.ok(JSON.valueToTree(a.flag()));
                case SetResult.Invalid i ->
                    AdminResponse.error(400, "INVALID_ARGUMENT", i.message());
                case SetResult.NotSupported n ->
                    AdminResponse.error(409, "FAILED_PRECONDITION", n.message());
                case SetResult.Failed f -> AdminResponse.error(500, "INTERNAL", f.message());
              };
            })
        .build();
  }

  private static AdminRoutes statsRoutes(CountingSink counts) {
    return AdminRoutes.builder()
        .get("/admin/outcomes", req -> AdminResponse.ok(JSON.valueToTree(counts.snapshot())))
        .build();
  }

  public int port() {
    return server.port();
  }

  public int adminPort() {
    return server.adminPort();
  }

  public DispatchServer dispatch() {
    return server;
  }

  public CountingSink outcomes() {
    return counts;
  }

  public DiffPipeline diff() {
    return pipeline;
  }

  /** The repair of failed shadow writes, when it was configured. */
  public java.util.Optional<RepairWiring> repairs() {
    return java.util.Optional.ofNullable(repairs);
  }

  /** The traffic recorder ({@link TrafficRecorder#disabled()} when serving without one). */
  public TrafficRecorder recorder() {
    return recorder;
  }

  /** Stops accepting, finishes in-flight calls and shadow writes (bounded), then closes. */
  public boolean shutdown(Duration grace) {
    boolean clean = server.shutdown(grace);
    closeAll(owned, null);
    return clean;
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(10));
  }

  private static void closeAll(List<AutoCloseable> owned, RuntimeException primary) {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        if (primary != null) {
          primary.addSuppressed(e);
        }
      }
    }
  }
}
