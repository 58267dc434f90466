package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ops.EntityKeys;
import io.strangler.convergence.DriftRepair;
import io.strangler.convergence.DriftReport;
import io.strangler.convergence.DriftScanner;
import io.strangler.convergence.EntityRef;
import io.strangler.convergence.EntitySync;
import io.strangler.convergence.Side;
import io.strangler.convergence.Stores;
import io.strangler.convergence.SyncResult;
import io.strangler.cutover.DriftScan;
import io.strangler.dispatch.AdminResponse;
import io.strangler.dispatch.AdminRoutes;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.PendingShadowWrites;
import io.strangler.dispatch.repair.DriftScans;
import io.strangler.dispatch.repair.FleetRepairs;
import io.strangler.dispatch.repair.RepairJournal;
import io.strangler.dispatch.repair.RepairMetrics;
import io.strangler.dispatch.repair.RepairResult;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.dispatch.repair.TouchedEntities;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.ApiFlag;
import io.strangler.flags.FlagSource;
import io.strangler.flags.Mode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repair of failed shadow writes, wired into the proxy (docs/convergence.md, "Repairs in the
 * proxy"): the {@link RepairJournal} in the proxy's outcome sink, named with the entities each
 * write touched (the control API's ordering keys), and a {@link Repairer} that copies each entity
 * from the authoritative store to the other one through the convergence module's {@link
 * EntitySync}, on connections of its own. Also the journal's admin route, metrics, readiness fields
 * and cut-over gate input. In a fleet ({@link Setup#fleet()}) the journal is forwarded into the
 * fleet's shared queue and the repairer works only while this instance holds the repairer lease
 * ({@link RepairRole}, chosen once here).
 *
 * <p>An entry is repaired from the side that was authoritative for its write, whatever the API's
 * mode is by the time it is repaired: that store answered the client, so it holds what the client
 * was told. (After an automatic rollback from NEW_PRIMARY, the writes whose legacy shadow failed
 * are copied from PostgreSQL into the now authoritative legacy store, not erased from PostgreSQL.)
 *
 * <p>This is where the generic repair of {@code dual-dispatch} meets the control plane: an ordering
 * key {@code repl:ID}, {@code machine:ID}, {@code container:ID} or {@code slug:S} becomes the
 * convergence module's {@link EntityRef}; {@code cluster:C} names no entity of its own (a cluster's
 * machine list is part of each machine) and is left as it is.
 */
public final class RepairWiring implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepairWiring.class);
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  /**
   * Where the journal is and how the repairer runs.
   *
   * @param journal the journal's directory and bounds
   * @param repairer batch, rate, settle time and back-off of the repairer
   * @param redisUrl the legacy Redis
   * @param postgres the control plane's PostgreSQL
   * @param timeout every wait of the repairer on a store (whole seconds, at least 1): a store that
   *     stops answering costs a repair that long, then the repair is tried again later
   * @param fleet null for an instance that repairs its own journal; else the fleet it shares the
   *     repairs with, through a queue and a lease in {@code postgres}
   */
  public record Setup(
      RepairJournal.Config journal,
      Repairer.Config repairer,
      String redisUrl,
      PostgresEndpoint postgres,
      Duration timeout,
      SharedRepairs fleet) {
    public Setup {
      Objects.requireNonNull(journal, "journal");
      Objects.requireNonNull(repairer, "repairer");
      Objects.requireNonNull(redisUrl, "redisUrl");
      Objects.requireNonNull(postgres, "postgres");
      Objects.requireNonNull(timeout, "timeout");
    }

    /** The same, without a fleet. */
    public Setup(
        RepairJournal.Config journal,
        Repairer.Config repairer,
        String redisUrl,
        PostgresEndpoint postgres,
        Duration timeout) {
      this(journal, repairer, redisUrl, postgres, timeout, null);
    }

    /** This setup, sharing the repairs with a fleet on {@code postgres}. */
    public Setup withFleet(SharedRepairs f) {
      return new Setup(
          journal, repairer, redisUrl, postgres, timeout, Objects.requireNonNull(f, "fleet"));
    }

    /** The journal in {@code dir} and the repairer with their defaults, 5 s waits. */
    public static Setup of(Path dir, String redisUrl, PostgresEndpoint postgres) {
      return new Setup(
          RepairJournal.Config.in(dir),
          Repairer.Config.defaults(),
          redisUrl,
          postgres,
          Duration.ofSeconds(5));
    }

    public Setup withRepairer(Repairer.Config c) {
      return new Setup(journal, c, redisUrl, postgres, timeout, fleet);
    }

    public Setup withJournal(RepairJournal.Config c) {
      return new Setup(c, repairer, redisUrl, postgres, timeout, fleet);
    }

    /** Connections of each store for the repairer's pools: two for each of its threads. */
    int connections() {
      return 2 * repairer.threads();
    }
  }

  /**
   * How an instance of a fleet shares the repairs (docs/convergence.md, "Repairs in a fleet").
   *
   * @param instance this instance's id in the fleet
   * @param options the repairer lease, the shared queue's bound, the forwarding
   */
  public record SharedRepairs(String instance, FleetRepairs.Options options) {
    public SharedRepairs {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(options, "options");
    }
  }

  /**
   * What the last drift scan run by the proxy found, once it finished.
   *
   * @param automatic started by the proxy itself (an API needed a drift scan), not by {@code POST
   *     /admin/repairs/scan}
   * @param found differences the scan found
   * @param synced entities the repair copied (both passes)
   * @param unrepaired entities of the first pass whose sync failed or kept meeting newer writes
   * @param remaining differences the second pass (made when the first found some) found and could
   *     not repair; 0 without one when the first found none
   * @param types what the last pass saw of each entity type, by the type's name
   * @param error why the scan itself failed, or null
   */
  public record ScanRun(
      Instant startedAt,
      Instant finishedAt,
      Side from,
      boolean automatic,
      long found,
      long synced,
      long unrepaired,
      long remaining,
      Map<String, TypeScan> types,
      String error) {}

  /** One entity type in a scan: entities compared, and those that differed. */
  public record TypeScan(long scanned, long different, long onlyInLegacy, long onlyInNew) {}

  private final Setup setup;
  private final Supplier<Side> authoritativeForAll;
  private final Clock clock;
  private final List<String> writes;
  private final Stores stores;
  private final RepairJournal journal;
  private final RepairRole role;
  private final Repairer repairer;
  private RepairMetrics metrics;
  private AutoCloseable roleMetrics;
  private AutoDriftScan autoScan;
  private final AtomicBoolean scanning = new AtomicBoolean();
  private volatile Thread scanThread;
  private volatile ScanRun lastScan;
  private final DriftScans scans = new DriftScans();
  private volatile boolean closed;

  private RepairWiring(
      Setup setup, ApiRegistry apis, Supplier<Side> authoritativeForAll, Clock clock) {
    this.setup = setup;
    this.authoritativeForAll = Objects.requireNonNull(authoritativeForAll, "authoritativeForAll");
    this.clock = clock;
    this.writes =
        apis.all().stream().filter(s -> s.kind() == ApiSpec.Kind.WRITE).map(ApiSpec::name).toList();
    this.stores =
        Stores.open(
            setup.redisUrl(), setup.postgres(), setup.connections(), clock, setup.timeout());
    RepairJournal j = null;
    try {
      j = new RepairJournal(setup.journal(), touched(TouchedEntities.orderingKeys(apis)), clock);
      EntitySync sync = stores.sync();
      this.role =
          RepairRole.start(
              setup.fleet(),
              setup.postgres(),
              j,
              (key, from) -> repair(sync, key, from),
              setup.repairer(),
              clock);
      this.repairer = role.repairer();
    } catch (RuntimeException e) {
      if (j != null) {
        j.close();
      }
      stores.close();
      throw e;
    }
    this.journal = j;
  }

  /**
   * Opens the journal (repairing what a previous run left in it) and starts the repairer.
   *
   * @param apis the proxy's operations: their ordering keys name what a write touched
   * @param flags the proxy's flags: a drift scan started without a side copies from the side
   *     authoritative for every API
   */
  public static RepairWiring start(
      Setup setup, ApiRegistry apis, FlagSource flags, MeterProvider meters, Clock clock) {
    Objects.requireNonNull(flags, "flags");
    RepairWiring w = start(setup, apis, () -> authoritativeForAll(flags), meters, clock);
    w.afterUncleanStop(dualNow(flags));
    return w;
  }

  /**
   * When the process before on this state directory was killed, the shadow writes it held were lost
   * unseen: the write APIs in a dual mode now (a single-backend mode sends no shadow writes) need a
   * drift scan, which the automatic scan then makes.
   */
  private void afterUncleanStop(Set<String> dual) {
    if (!journal.previousRunEndedUncleanly()) {
      return;
    }
    List<String> marked = writes.stream().filter(dual::contains).toList();
    if (marked.isEmpty()) {
      log.info("the run before stopped uncleanly; no write API is in a dual mode: nothing to scan");
      return;
    }
    journal.needsScan(
        marked, "the run before on this state directory stopped without closing its journal");
  }

  /** The operations whose flag sends calls to both backends now, in or outside their rollout. */
  private static Set<String> dualNow(FlagSource flags) {
    Set<String> out = new java.util.HashSet<>();
    for (ApiFlag f : flags.snapshot().apis()) {
      if ((f.inRollout() != null && f.inRollout().isDual())
          || (f.outsideRollout() != null && f.outsideRollout().isDual())) {
        out.add(f.operation());
      }
    }
    return out;
  }

  /**
   * As {@link #start(Setup, ApiRegistry, FlagSource, MeterProvider, Clock)}, for a run with no
   * flags (the in-process target).
   *
   * @param authoritativeForAll the side authoritative for every API now, or null when they differ:
   *     where a drift scan started without a side copies from
   */
  public static RepairWiring start(
      Setup setup,
      ApiRegistry apis,
      Supplier<Side> authoritativeForAll,
      MeterProvider meters,
      Clock clock) {
    RepairWiring w =
        new RepairWiring(Objects.requireNonNull(setup, "setup"), apis, authoritativeForAll, clock);
    try {
      w.metrics = RepairMetrics.register(meters, w.journal, w.repairer, w.scans, w.writes);
      w.roleMetrics = w.role.registerMetrics(meters);
      w.autoScan = AutoDriftScan.start(w, AutoDriftScan.Config.defaults());
    } catch (RuntimeException e) {
      w.close();
      throw e;
    }
    log.info(
        "repair journal in {}: {} entries to repair",
        setup.journal().dir().toAbsolutePath(),
        w.journal.pending());
    return w;
  }

  // ------------------------------------------------------------------ the domain mapping

  /**
   * The entity an ordering key names, or empty for a key that names none to copy ({@code
   * cluster:C}).
   *
   * @throws IllegalArgumentException for a key of no known kind
   */
  static Optional<EntityRef> entity(String key) {
    int colon = key.indexOf(':');
    String id = colon < 0 ? "" : key.substring(colon + 1);
    if (colon < 0 || id.isEmpty()) {
      throw new IllegalArgumentException("not an entity key: '" + key + "'");
    }
    String kind = key.substring(0, colon + 1);
    if (kind.equals(EntityKeys.repl(""))) {
      return Optional.of(EntityRef.repl(id));
    }
    if (kind.equals(EntityKeys.machine(""))) {
      return Optional.of(EntityRef.machine(id));
    }
    if (kind.equals(EntityKeys.container(""))) {
      return Optional.of(EntityRef.container(id));
    }
    if (kind.equals(EntityKeys.slug(""))) {
      return Optional.of(EntityRef.slug(id));
    }
    if (kind.equals(EntityKeys.cluster(""))) {
      return Optional.empty();
    }
    throw new IllegalArgumentException("no entity of kind '" + kind + "' in '" + key + "'");
  }

  /**
   * The keys worth a repair among a write's ordering keys: not its clusters (no entity of their
   * own); and when it names a repl, the repl alone, whose sync covers every container either store
   * lists for it, with the machines' indexes and counters those containers count in, and its slug
   * key. (A machine's own fields change only by the machine's writes, which name no repl.) Fewer
   * keys, fewer syncs, and no two syncs of one repl at once on the repairer's threads.
   */
  static TouchedEntities touched(TouchedEntities orderingKeys) {
    return (operation, request, answer) -> {
      List<String> keys = orderingKeys.of(operation, request, answer);
      boolean namesRepl = keys.stream().anyMatch(k -> k.startsWith(EntityKeys.repl("")));
      return keys.stream()
          .filter(k -> !k.startsWith(EntityKeys.cluster("")))
          .filter(k -> !namesRepl || k.startsWith(EntityKeys.repl("")))
          .toList();
    };
  }

  static Side side(Mode.Backend b) {
    return b == Mode.Backend.LEGACY ? Side.LEGACY : Side.NEW;
  }

  /** One entity, from the backend {@code from} to the other one. */
  static RepairResult repair(EntitySync sync, String key, Mode.Backend from) {
    Optional<EntityRef> ref;
    try {
      ref = entity(key);
    } catch (IllegalArgumentException e) {
      return new RepairResult.Failed(e.getMessage());
    }
    if (ref.isEmpty()) {
      return RepairResult.ALREADY_EQUAL;
    }
    SyncResult r = sync.sync(ref.get(), side(from));
    return switch (r) {
      case SyncResult.Synced s -> RepairResult.REPAIRED;
      case SyncResult.AlreadyEqual a -> RepairResult.ALREADY_EQUAL;
      // The source kept moving: a later try copies its newer state.
      case SyncResult.Conflict c ->
          new RepairResult.Retry(c.ref() + " kept changing: " + c.detail());
      case SyncResult.Unavailable u ->
          new RepairResult.Retry(u.ref() + ": a store is unavailable: " + u.reason());
      case SyncResult.Failed f -> new RepairResult.Failed(f.ref() + ": " + f.reason());
      case SyncResult.WouldSync w -> new RepairResult.Failed(w.ref() + ": the sync only planned");
    };
  }

  // ------------------------------------------------------------------ queued shadow writes

  /** The longest a repair waits for the shadow writes of its entity that the proxy holds. */
  static final Duration MAX_QUIET_WAIT = Duration.ofSeconds(5);

  /**
   * Makes each repair wait until the proxy holds no shadow write of its entity (queued or running)
   * to the store it writes, at most {@code shadowDeadline} (the longest a shadow write may wait in
   * its lane) and never more than {@link #MAX_QUIET_WAIT}. Called once the proxy is up: the
   * repairer starts before it, to repair what a previous run left.
   */
  public void awaitShadowWrites(PendingShadowWrites pending, Duration shadowDeadline) {
    repairer.awaitShadowWrites(
        pending, shadowDeadline.compareTo(MAX_QUIET_WAIT) < 0 ? shadowDeadline : MAX_QUIET_WAIT);
  }

  // ------------------------------------------------------------------ what the proxy reads

  /** The outcome sink that records the writes to repair: first in the proxy's sink chain. */
  public OutcomeSink journal() {
    return journal;
  }

  public RepairJournal.Stats journalStats() {
    return journal.stats();
  }

  public Repairer.Stats repairerStats() {
    return repairer.stats();
  }

  /**
   * The cut-over gate's pending repairs for {@code api}: every pending entry, whichever API wrote
   * it (a write of one API leaves entities the others read and write), and unknown while an API
   * lost entries and waits for a drift scan.
   */
  public OptionalLong pendingRepairs(String api) {
    RepairJournal.Stats s = journal.stats();
    return s.needsScan().isEmpty() ? role.pending(s) : OptionalLong.empty();
  }

  /** The last drift scan the proxy ran, for the NEW_ONLY gate: its remaining differences. */
  public Optional<DriftScan> lastDriftScan(String api) {
    ScanRun s = lastScan;
    return s == null || s.error() != null
        ? Optional.empty()
        : Optional.of(new DriftScan(s.finishedAt(), s.remaining()));
  }

  /** {@code /admin/readiness} with each API's pending repairs and the journal's totals added. */
  public JsonNode readiness(JsonNode readiness) {
    RepairJournal.Stats s = journal.stats();
    ObjectNode out = readiness.deepCopy();
    for (JsonNode api : out.path("apis")) {
      if (api instanceof ObjectNode o) {
        String name = o.path("api").asText();
        o.put("pendingRepairs", s.pendingByOperation().getOrDefault(name, 0L));
        o.put("needsDriftScan", s.needsScan().contains(name));
      }
    }
    ObjectNode repairs = out.putObject("repairs");
    repairs.put("pending", s.pending());
    repairs.set("needsDriftScan", JSON.valueToTree(s.needsScan()));
    repairs.set("lastDriftScan", JSON.valueToTree(lastScan));
    role.describe(repairs);
    return out;
  }

  /** {@code GET /admin/repairs} and {@code POST /admin/repairs/scan}. */
  public AdminRoutes routes() {
    return AdminRoutes.builder()
        .get("/admin/repairs", req -> AdminResponse.ok(status()))
        .post(
            "/admin/repairs/scan",
            req -> {
              Side from;
              JsonNode given = req.body().path("from");
              if (given.isTextual()) {
                try {
                  from = Side.parse(given.asText());
                } catch (IllegalArgumentException e) {
                  return AdminResponse.error(400, "INVALID_ARGUMENT", "from: " + e.getMessage());
                }
              } else if (given.isMissingNode() || given.isNull()) {
                from = authoritativeForAll();
                if (from == null) {
                  return AdminResponse.error(
                      409,
                      "FAILED_PRECONDITION",
                      "the APIs are not all authoritative on one side: give {\"from\": \"legacy\"|\"new\"}");
                }
              } else {
                return AdminResponse.error(
                    400, "INVALID_ARGUMENT", "from must be \"legacy\" or \"new\"");
              }
              if (!startScan(from)) {
                return AdminResponse.error(
                    409, "FAILED_PRECONDITION", "a drift scan is already running");
              }
              ObjectNode body = JSON.createObjectNode();
              body.put("started", true);
              body.put("from", from.name().toLowerCase(Locale.ROOT));
              return AdminResponse.json(202, body);
            })
        .build();
  }

  JsonNode status() {
    RepairJournal.Stats j = journal.stats();
    Repairer.Stats r = repairer.stats();
    ObjectNode out = JSON.createObjectNode();
    out.put("pending", j.pending());
    out.set("pendingByApi", JSON.valueToTree(j.pendingByOperation()));
    out.put("recorded", j.recorded());
    out.put("repaired", r.repaired());
    out.put("alreadyEqual", r.alreadyEqual());
    out.put("retried", r.retries());
    out.put("failed", r.failed());
    Repairer.Deferrals d = repairer.deferrals();
    out.put("deferred", d.deferred());
    out.put("repairedWhileQueued", d.repairedWhileQueued());
    ObjectNode lost = out.putObject("lost");
    lost.put("queueFull", j.lostQueueFull());
    lost.put("fileFull", j.lostFileFull());
    lost.put("writeFailed", j.writeFailures());
    out.set("needsDriftScan", JSON.valueToTree(j.needsScan()));
    out.put("previousRunEndedUncleanly", journal.previousRunEndedUncleanly());
    out.put("lastProblem", r.lastProblem());
    out.put("lastRepairAt", r.lastRepairAt() == null ? null : r.lastRepairAt().toString());
    out.put("journalDir", setup.journal().dir().toAbsolutePath().toString());
    out.put("perSecond", setup.repairer().perSecond());
    ObjectNode scan = out.putObject("driftScan");
    scan.put("running", scanning.get());
    scan.put("automaticStarted", autoScan == null ? 0 : autoScan.started());
    scan.put("waiting", autoScan == null ? null : autoScan.waiting());
    scan.set("last", JSON.valueToTree(lastScan));
    role.describe(out);
    return out;
  }

  // ------------------------------------------------------------------ drift scan on demand

  /** The side authoritative for every API now, or null when they differ. */
  Side authoritativeForAll() {
    return authoritativeForAll.get();
  }

  /** The side authoritative for every API of {@code flags}, or null when they differ. */
  private static Side authoritativeForAll(FlagSource flags) {
    Mode.Backend side = null;
    for (ApiFlag f : flags.snapshot().apis()) {
      if (f.inRollout() == null || f.outsideRollout() == null) {
        continue; // unavailable: no side serves it
      }
      for (Mode m : List.of(f.inRollout(), f.outsideRollout())) {
        if (side == null) {
          side = m.authoritative();
        } else if (side != m.authoritative()) {
          return null;
        }
      }
    }
    return side == null ? null : side(side);
  }

  /**
   * Starts a drift scan and repair of every entity from {@code from}, rate-limited like the
   * repairer, on a thread and connections of its own; when it leaves no difference unrepaired, the
   * APIs that had lost entries before it started no longer need one. False when one is running.
   */
  boolean startScan(Side from) {
    if (closed || !scanning.compareAndSet(false, true)) {
      return false;
    }
    RepairJournal.Marks marks = journal.marks();
    scanThread =
        Thread.ofPlatform()
            .name("repair-drift-scan")
            .daemon(true)
            .start(
                () -> {
                  try {
                    lastScan = scan(from, marks, false);
                  } finally {
                    scanning.set(false);
                  }
                });
    return true;
  }

  /**
   * Runs a drift scan and repair on the caller's thread (the automatic scan's); null when one is
   * running already or the wiring is closing.
   */
  ScanRun runScan(Side from) {
    if (closed || !scanning.compareAndSet(false, true)) {
      return null;
    }
    try {
      ScanRun run = scan(from, journal.marks(), true);
      lastScan = run;
      return run;
    } finally {
      scanning.set(false);
    }
  }

  /** What needs a drift scan now: the APIs that lost journal entries. */
  RepairJournal.Marks marks() {
    return journal.marks();
  }

  /**
   * Scans and repairs from {@code from}; when that found differences, a second pass (scan and
   * repair again) checks what is left: under load a scan also sees writes whose shadow is still on
   * its way, which the second pass finds already equal or copies again. What neither pass could
   * repair remains.
   */
  private ScanRun scan(Side from, RepairJournal.Marks marked, boolean automatic) {
    Instant started = clock.instant();
    DriftScanner.Options all = DriftScanner.Options.all();
    DriftScanner.Options options =
        new DriftScanner.Options(
            all.types(), 0, setup.repairer().perSecond(), all.batch(), all.examples());
    DriftRepair.Options repair = new DriftRepair.Options(options, from, false, 0);
    // A connection of each store for the scan's stream, others for the syncs it makes meanwhile.
    try (Stores own = Stores.open(setup.redisUrl(), setup.postgres(), 4, clock, setup.timeout())) {
      DriftRepair.Report first = own.repair().repair(repair, DriftScanner.Progress.NONE);
      long found = first.scan().drifted();
      long synced = first.count(DriftRepair.Outcome.SYNCED);
      long unrepaired = unrepaired(first);
      DriftRepair.Report last = first;
      long remaining = unrepaired;
      if (found > 0) {
        last = own.repair().repair(repair, DriftScanner.Progress.NONE);
        synced += last.count(DriftRepair.Outcome.SYNCED);
        remaining = unrepaired(last);
      }
      if (remaining == 0) {
        journal.scanned(marked);
      }
      log.info(
          "drift scan from {}{}: {} differences found, {} synced, {} not repaired, {} remain",
          from,
          automatic ? " (automatic)" : "",
          found,
          synced,
          unrepaired,
          remaining);
      if (remaining > 0) {
        log.warn("drift repair from {}:\n{}", from, last.toText());
      }
      scans.ended(
          trigger(automatic),
          remaining == 0 ? DriftScans.Result.CLEAN : DriftScans.Result.DIFFERENCES_LEFT);
      return new ScanRun(
          started,
          clock.instant(),
          from,
          automatic,
          found,
          synced,
          unrepaired,
          remaining,
          types(last.scan()),
          null);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("drift scan from {} failed: {}", from, String.valueOf(e));
      scans.ended(trigger(automatic), DriftScans.Result.FAILED);
      return new ScanRun(
          started, clock.instant(), from, automatic, 0, 0, 0, 0, Map.of(), String.valueOf(e));
    }
  }

  private static DriftScans.Trigger trigger(boolean automatic) {
    return automatic ? DriftScans.Trigger.AUTOMATIC : DriftScans.Trigger.ADMIN;
  }

  private static long unrepaired(DriftRepair.Report r) {
    return r.count(DriftRepair.Outcome.FAILED) + r.count(DriftRepair.Outcome.CONFLICT);
  }

  private static Map<String, TypeScan> types(DriftReport scan) {
    Map<String, TypeScan> out = new LinkedHashMap<>();
    scan.types()
        .forEach(
            (type, r) ->
                out.put(
                    type.cliName(),
                    new TypeScan(r.scanned(), r.different(), r.onlyInLegacy(), r.onlyInNew())));
    return out;
  }

  /** Stops the repairer and any drift scan, then closes the journal and the repairer's pools. */
  @Override
  public void close() {
    closed = true;
    if (autoScan != null) {
      autoScan.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (roleMetrics != null) {
      try {
        roleMetrics.close();
      } catch (Exception e) {
        log.debug("closing the repair role's metrics", e);
      }
    }
    role.close();
    Thread scan = scanThread;
    if (scan != null) {
      scan.interrupt();
      try {
        scan.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    journal.close();
    stores.close();
  }

  /** The journal's directory under a state directory. */
  public static Path journalDir(Path stateDir) {
    return stateDir.resolve("repairs");
  }
}
