package io.strangler.dashboards;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strangler.api.DiffRulesFile;
import io.strangler.api.Operation;
import io.strangler.diff.DiffRules;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.CallKind;
import io.strangler.diff.report.ComparedCall;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.DiffPipeline;
import io.strangler.diff.report.MismatchStore;
import io.strangler.diff.report.Telemetry;
import io.strangler.flags.ApiFlag;
import io.strangler.flags.Decision;
import io.strangler.flags.FileFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The diff reporter wired as the server wires it (file flags, the diff pipeline with its metrics
 * and readiness, mismatch samples in PostgreSQL), fed with calls that cover every verdict, a
 * sampled-out call and a call dropped by a full queue. Times are the real clock's, so the page
 * shows them as recent.
 */
final class ReporterFixture implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** The mismatch a test looks for on the page: a stale machine address. */
  static final String STALE_ADDRESS_LEGACY = "10.0.3.7";

  static final String STALE_ADDRESS_NEW = "10.0.3.17";

  /** A value that would run script if the page wrote answers as HTML. */
  static final String HOSTILE_VALUE = "<img src=x onerror=\"document.title='pwned'\">";

  /** Calls in the queue at once while feeding: below the queue's capacity, so nothing drops. */
  private static final int QUEUE_CAPACITY = 16;

  private static final String FLAGS =
      """
      {
        "defaultMode": "LEGACY_ONLY",
        "apis": {
          "ResolveCluster":     { "mode": "NEW_PRIMARY" },
          "GetHostingMetadata": { "mode": "NEW_PRIMARY", "rolloutPercent": 50 },
          "ListContainers":     { "mode": "NEW_PRIMARY" },
          "GetRepl":            { "mode": "SHADOW" },
          "ListMachines":       { "mode": "SHADOW" },
          "CreateRepl":         { "mode": "SHADOW" },
          "ConnectRepl":        { "mode": "SHADOW" },
          "Heartbeat":          { "mode": "SHADOW" }
        }
      }
      """;

  final FileFlags flags;
  final Telemetry telemetry;
  final io.strangler.cutover.Cutover cutover;
  private final io.strangler.dispatch.repair.RepairJournal journal;
  private final com.zaxxer.hikari.HikariDataSource repairPool;
  private final io.strangler.dispatch.repair.FleetRepairs repairs;
  private final io.strangler.dispatch.repair.RepairMetrics repairMetrics;
  private final io.strangler.diff.report.FleetCounters fleetCounters;
  private final AutoCloseable fleetRepairMetrics;
  final MismatchStore store;
  final DiffPipeline pipeline;

  private final Semaphore room = new Semaphore(QUEUE_CAPACITY / 2);
  private final AtomicLong results = new AtomicLong();
  private final AtomicLong expected = new AtomicLong();
  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final Random random = new Random(20261121);
  private long sequence;

  ReporterFixture(RealServers.PostgresDb db, Path dir) throws IOException {
    Path flagsFile = dir.resolve("flags.json");
    Files.writeString(flagsFile, FLAGS);
    List<String> apis = Operation.ALL.stream().map(Operation::name).toList();
    flags = FileFlags.builder(flagsFile).knownOperations(apis).build();
    DiffConfig config =
        DiffConfig.builder()
            .apis(apis)
            // The control API's rules, as the proxy gives them: machines keyed by machineId.
            .rules(DiffRules.load(DiffRulesFile.url()))
            .queueCapacity(QUEUE_CAPACITY)
            .workers(1)
            .sampling("Heartbeat", 0.5)
            .recheckDelay(Duration.ofMillis(5))
            .readinessMinCalls(500)
            .build();
    telemetry = Telemetry.create();
    store = MismatchStore.open(db.jdbcUrl(), db.user(), db.password(), config, Clock.systemUTC());
    pipeline =
        DiffPipeline.builder(config)
            .meterProvider(telemetry.meterProvider())
            .modes(this::modes)
            .samples(store)
            .rereader(ReporterFixture::reread)
            .listener(
                result -> {
                  if (result.call().requestId().equals("hold")) {
                    holding.countDown();
                    awaitQuietly(release);
                  }
                  room.release();
                  results.incrementAndGet();
                })
            .build();
    // The proxy's cut-over exports its rollback counter on the same telemetry.
    cutover =
        io.strangler.cutover.Cutover.builder(io.strangler.flags.OverridingFlags.wrap(flags))
            .readiness(pipeline.readiness()::of)
            .meterProvider(telemetry.meterProvider())
            .build();
    // And its repair journal and repairer their figures (an empty journal here), as `serve`
    // has them: shared by a fleet (of one) on the PostgreSQL.
    journal =
        new io.strangler.dispatch.repair.RepairJournal(
            io.strangler.dispatch.repair.RepairJournal.Config.in(dir.resolve("repairs")),
            (op, request, answer) -> List.of(),
            Clock.systemUTC());
    com.zaxxer.hikari.HikariConfig hikari = new com.zaxxer.hikari.HikariConfig();
    hikari.setJdbcUrl(db.jdbcUrl());
    hikari.setUsername(db.user());
    hikari.setPassword(db.password());
    hikari.setMaximumPoolSize(3);
    repairPool = new com.zaxxer.hikari.HikariDataSource(hikari);
    repairs =
        io.strangler.dispatch.repair.FleetRepairs.start(
            repairPool,
            journal,
            (key, from) -> io.strangler.dispatch.repair.RepairResult.ALREADY_EQUAL,
            io.strangler.dispatch.repair.Repairer.Config.defaults(),
            "fixture",
            io.strangler.dispatch.repair.FleetRepairs.Options.defaults(),
            Clock.systemUTC());
    repairMetrics =
        io.strangler.dispatch.repair.RepairMetrics.register(
            telemetry.meterProvider(),
            journal,
            repairs.repairer(),
            new io.strangler.dispatch.repair.DriftScans(),
            Operation.ALL.stream().filter(Operation::isWrite).map(Operation::name).toList());
    fleetRepairMetrics = repairs.registerMetrics(telemetry.meterProvider());
    // The fleet's pending count is exported once the shared queue has been read.
    await().atMost(Duration.ofSeconds(10)).until(() -> repairs.fleetPending().isPresent());
    // And the fleet counters' writer its own (serve with a shared PostgreSQL).
    fleetCounters =
        io.strangler.diff.report.FleetCounters.open(
            db.jdbcUrl(),
            db.user(),
            db.password(),
            "reporter-fixture",
            Clock.systemUTC(),
            io.strangler.diff.report.FleetCounters.Options.defaults());
    fleetCounters.registerMetrics(telemetry.meterProvider());
  }

  /** {@code GET /admin/repairs} as the proxy answers it: the figures the page reads. */
  JsonNode repairs() {
    io.strangler.dispatch.repair.RepairJournal.Stats j = journal.stats();
    io.strangler.dispatch.repair.Repairer.Stats r = repairs.repairer().stats();
    com.fasterxml.jackson.databind.node.ObjectNode out = JSON.createObjectNode();
    out.put("pending", j.pending());
    out.set("pendingByApi", JSON.valueToTree(j.pendingByOperation()));
    out.put("repaired", r.repaired());
    out.put("failed", r.failed());
    out.set("needsDriftScan", JSON.valueToTree(j.needsScan()));
    return out;
  }

  /** Each API's mode for a routing key in its rollout, as the metrics and readiness show it. */
  Map<String, String> modes() {
    Map<String, String> modes = new HashMap<>();
    for (ApiFlag flag : flags.snapshot().apis()) {
      if (flag.inRollout() != null) {
        modes.put(flag.operation(), flag.inRollout().name());
      }
    }
    return modes;
  }

  /** Second reads: cluster "us-west-2" now agrees (a RACE), "us-east-1" still differs. */
  private static Optional<Observations> reread(String api, JsonNode request) {
    String cluster = request.path("cluster").asText();
    if (cluster.equals("us-west-2")) {
      Observed same = answer(machines("10.0.9.1"));
      return Optional.of(new Observations(same, same));
    }
    if (cluster.equals("us-east-1")) {
      return Optional.of(
          new Observations(
              answer(machines(STALE_ADDRESS_LEGACY)), answer(machines(STALE_ADDRESS_NEW))));
    }
    return Optional.empty();
  }

  /** Feeds the standard traffic and waits until every call is compared. */
  ReporterFixture feedEverything() {
    for (int i = 0; i < 620; i++) {
      feed(match("ResolveCluster", CallKind.READ, "{\"slug\": \"app-" + i + "\"}", 0.6, 1.1));
    }
    for (int i = 0; i < 540; i++) {
      feed(
          match(
              "GetHostingMetadata", CallKind.READ, "{\"host\": \"h" + i + ".example\"}", 0.8, 1.0));
    }
    for (int i = 0; i < 380; i++) {
      feed(match("GetRepl", CallKind.READ, "{\"replId\": \"r-" + i + "\"}", 1.2, 1.4));
    }
    for (int i = 0; i < 20; i++) {
      feed(
          call("GetRepl", CallKind.READ, "{\"replId\": \"gone-" + i + "\"}")
              .legacy(failure("NOT_FOUND"), ms(1.0))
              .newer(failure("NOT_FOUND"), ms(1.1))
              .build());
    }
    for (int i = 0; i < 300; i++) {
      feed(match("ListMachines", CallKind.READ, "{\"cluster\": \"eu-" + i % 3 + "\"}", 2.5, 2.2));
    }
    // Changed between the two reads: a RACE, not a mismatch.
    feed(
        call("ListMachines", CallKind.READ, "{\"cluster\": \"us-west-2\"}")
            .legacy(answer(machines("10.0.9.1")), ms(2.0))
            .newer(answer(machines("10.0.9.2")), ms(2.1))
            .build());
    for (int i = 0; i < 250; i++) {
      feed(match("ListContainers", CallKind.READ, "{\"replId\": \"r-" + i + "\"}", 1.5, 7.0));
    }
    feed(
        call("ListContainers", CallKind.READ, "{\"replId\": \"r-down\"}")
            .legacy(answer(containers("m-1")), ms(1.5))
            .newer(failure("UNAVAILABLE"), ms(30))
            .build());
    feed(
        call("ListContainers", CallKind.READ, "{\"replId\": \"r-odd\"}")
            .legacy(failure("NOT_FOUND"), ms(1.0))
            .newer(failure("INTERNAL"), ms(4.0))
            .build());
    for (int i = 0; i < 200; i++) {
      feed(match("CreateRepl", CallKind.WRITE, "{\"ownerId\": \"u-" + i + "\"}", 3.0, 3.5));
    }
    for (int i = 0; i < 3; i++) {
      feed(
          call("CreateRepl", CallKind.WRITE, "{\"ownerId\": \"e-" + i + "\"}")
              .legacy(answer(repl("r-e" + i)), ms(3.0))
              .newer(failure("INTERNAL"), ms(2.0))
              .build());
    }
    for (int i = 0; i < 2; i++) {
      feed(
          call("CreateRepl", CallKind.WRITE, "{\"ownerId\": \"t-" + i + "\"}")
              .legacy(answer(repl("r-t" + i)), ms(3.0))
              .newer(new Observed.TimedOut(), null)
              .build());
    }
    for (int i = 0; i < 4; i++) {
      feed(
          call("CreateRepl", CallKind.WRITE, "{\"ownerId\": \"d-" + i + "\"}")
              .legacy(answer(repl("r-d" + i)), ms(3.0))
              .newer(new Observed.Dropped(), null)
              .shadowDropReason("shadow_budget_full")
              .build());
    }
    for (int i = 0; i < 150; i++) {
      feed(match("ConnectRepl", CallKind.WRITE, "{\"replId\": \"r-" + i + "\"}", 2.0, 2.4));
    }
    for (int i = 0; i < 100; i++) {
      feed(match("Heartbeat", CallKind.WRITE, "{\"machineId\": \"m-" + i + "\"}", 0.9, 1.0));
    }
    injectHostileMismatch();
    injectStaleAddress();
    dropOneOnAFullQueue();
    awaitCompared();
    // Samples are written by the store's own thread.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> store.recent(Optional.empty(), 10).size() >= 2 && store.queued() == 0);
    return this;
  }

  /** A ListMachines read that still differs when read again: machine m-7's address is stale. */
  void injectStaleAddress() {
    feed(
        call("ListMachines", CallKind.READ, "{\"cluster\": \"us-east-1\"}")
            .at(Instant.now())
            .legacy(answer(machines(STALE_ADDRESS_LEGACY)), ms(2.4))
            .newer(answer(machines(STALE_ADDRESS_NEW)), ms(2.0))
            .build());
  }

  /** A ListContainers mismatch whose values are HTML, two seconds older than the stale address. */
  void injectHostileMismatch() {
    feed(
        call("ListContainers", CallKind.READ, "{\"replId\": \"r-html\"}")
            .at(Instant.now().minusSeconds(2))
            .legacy(answer(containers("m-1")), ms(1.5))
            .newer(answer(containers(HOSTILE_VALUE)), ms(5.0))
            .build());
  }

  /** One more call that mismatches, for a live update; returns its request's cluster. */
  String injectAnother(String address) {
    String cluster = "ap-" + address;
    feed(
        call("ListMachines", CallKind.READ, "{\"cluster\": \"" + cluster + "\"}")
            .at(Instant.now())
            .legacy(answer(machines(STALE_ADDRESS_LEGACY)), ms(2.0))
            .newer(answer(machines(address)), ms(2.0))
            .build());
    return cluster;
  }

  /**
   * Holds the only worker in a listener, fills the queue and offers one more call, which the
   * pipeline drops as {@code queue_full}; then lets the worker go.
   */
  private void dropOneOnAFullQueue() {
    awaitCompared();
    expected.incrementAndGet();
    acquireRoom();
    pipeline.offer(
        match("ConnectRepl", CallKind.WRITE, "{\"replId\": \"r-hold\"}", 2.0, 2.0, "hold"));
    awaitQuietly(holding);
    for (int i = 0; i < QUEUE_CAPACITY; i++) {
      expected.incrementAndGet();
      if (!pipeline.offer(
          match("ConnectRepl", CallKind.WRITE, "{\"replId\": \"q-" + i + "\"}", 2.0, 2.0))) {
        throw new IllegalStateException("the queue refused call " + i + " before it was full");
      }
    }
    if (pipeline.offer(
        match("ConnectRepl", CallKind.WRITE, "{\"replId\": \"q-over\"}", 2.0, 2.0))) {
      throw new IllegalStateException("a full queue took one more call");
    }
    release.countDown();
    awaitCompared();
    // The held call and the calls queued behind it gave back permits they never took.
    room.drainPermits();
    room.release(QUEUE_CAPACITY / 2);
  }

  /** Offers a call, waiting while the queue holds half its capacity, so that nothing is dropped. */
  void feed(ComparedCall call) {
    acquireRoom();
    if (pipeline.offer(call)) {
      expected.incrementAndGet();
    } else {
      room.release();
    }
  }

  void awaitCompared() {
    await().atMost(Duration.ofSeconds(30)).until(() -> results.get() == expected.get());
  }

  private void acquireRoom() {
    try {
      if (!room.tryAcquire(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the diff pipeline compared nothing for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while feeding the diff pipeline", e);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("waited 30 s for the held call");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ComparedCall match(
      String api, CallKind kind, String request, double legacyMs, double newMs) {
    return match(api, kind, request, legacyMs, newMs, null);
  }

  /** Both backends give the same answer; latencies spread around the given medians. */
  private ComparedCall match(
      String api, CallKind kind, String request, double legacyMs, double newMs, String requestId) {
    Observed same = answer("{\"ok\": true, \"request\": " + request + "}");
    ComparedCall.Builder b = call(api, kind, request);
    if (requestId != null) {
      b.requestId(requestId);
    }
    return b.legacy(same, ms(spread(legacyMs))).newer(same, ms(spread(newMs))).build();
  }

  private double spread(double median) {
    // A long tail: mostly near the median, one call in fifty up to six times slower.
    double factor = 0.7 + 0.6 * random.nextDouble();
    return median * (random.nextInt(50) == 0 ? 2 + 4 * random.nextDouble() : factor);
  }

  /** A call of {@code api} in the mode the flags give its request's routing key. */
  private ComparedCall.Builder call(String api, CallKind kind, String request) {
    JsonNode body = json(request);
    // The routing key: the request's first field, so that a partial rollout splits the calls.
    String key = body.elements().hasNext() ? body.elements().next().asText() : api;
    Decision decision = flags.decide(api, key);
    Mode mode =
        decision.mode() == null || !decision.mode().isDual() ? Mode.SHADOW : decision.mode();
    return ComparedCall.builder()
        .api(api)
        .kind(kind)
        .mode(mode.name())
        .authoritative(mode.authoritative() == Mode.Backend.NEW ? Side.NEW : Side.LEGACY)
        .request(body)
        .requestId(api + "-" + ++sequence)
        .at(Instant.now().minusMillis(500));
  }

  static String machines(String m7Address) {
    return """
    {"machines": [
      {"machineId": "m-3", "cluster": "us-east-1", "address": "10.0.3.3", "capacity": 40,
       "state": "ACTIVE", "cpuPercent": 41.5, "runningContainers": 12,
       "registeredAt": "2026-11-02T09:00:00.000Z", "lastHeartbeatAt": "2026-11-21T07:40:00.000Z"},
      {"machineId": "m-7", "cluster": "us-east-1", "address": "%s", "capacity": 40,
       "state": "ACTIVE", "cpuPercent": 63.0, "runningContainers": 17,
       "registeredAt": "2026-11-02T09:00:00.000Z", "lastHeartbeatAt": "2026-11-21T07:40:01.000Z"}
    ]}
    """
        .formatted(m7Address);
  }

  static String containers(String machineId) {
    return """
    {"containers": [
      {"containerId": "c-81", "replId": "r-html", "machineId": %s, "cluster": "us-east-1",
       "state": "RUNNING", "startedAt": "2026-11-21T07:12:00.000Z", "stoppedAt": null}
    ]}
    """
        .formatted(quote(machineId));
  }

  static String repl(String replId) {
    return """
    {"replId": "%s", "ownerId": "u-1", "slug": "app", "region": "us", "cluster": "us-east-1",
     "pendingTransferTo": null, "createdAt": "2026-11-21T07:00:00.000Z"}
    """
        .formatted(replId);
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("bad test JSON: " + text, e);
    }
  }

  static Observed answer(String json) {
    return new Observed.Answer(json(json));
  }

  static Observed failure(String code) {
    return new Observed.Failure(code, code + " from the backend");
  }

  private static Duration ms(double millis) {
    return Duration.ofNanos((long) (millis * 1_000_000));
  }

  long processed(Verdict verdict) {
    return pipeline.processed(verdict);
  }

  @Override
  public void close() {
    release.countDown();
    repairMetrics.close();
    fleetCounters.close();
    try {
      fleetRepairMetrics.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    repairs.close();
    repairPool.close();
    journal.close();
    cutover.close();
    pipeline.close(Duration.ofSeconds(5));
    store.close();
    telemetry.close();
    flags.close();
  }
}
