package io.strangler.cli;

import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.cutover.CutoverConfig;
import io.strangler.cutover.RollbackConfig;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.repair.RepairJournal;
import io.strangler.dispatch.repair.Repairer;
import io.strangler.flags.FileFlags;
import io.strangler.flags.FlagAudit;
import io.strangler.flags.FlagSource;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.flags.UnleashFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.proxy.ClosingFlags;
import io.strangler.proxy.RepairWiring;
import io.strangler.proxy.StranglerServer;
import io.strangler.proxy.Topologies;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strangler serve}: the dual-dispatch proxy in front of both backends. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the control API in front of both backends, each API dispatched in the mode its flag says.",
      "",
      "Calls are POST /v1/{Operation}; the backends are the legacy Redis store and the PostgreSQL",
      "control plane. Admin endpoints (/admin/flags, /admin/flags/audit, ...) are on their own port",
      "behind a bearer token.",
      "With no --redis or --postgres it starts embedded servers (their data is gone on exit)."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);
  static final String API_TOKEN_ENV = "STRANGLER_API_TOKEN";

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "API port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "0.0.0.0",
      description =
          "API bind address (default ${DEFAULT-VALUE}: reachable from other hosts; restrict it or set --api-token).")
  String bind;

  @Option(
      names = "--admin-port",
      defaultValue = "8081",
      description = "Admin port (default ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(
      names = "--admin-bind",
      defaultValue = "127.0.0.1",
      description = "Admin bind address (default ${DEFAULT-VALUE}).")
  String adminBind;

  @Option(
      names = "--admin-token",
      description =
          "Admin bearer token (default: $STRANGLER_ADMIN_TOKEN, else a random one, printed).")
  String adminToken;

  @Option(
      names = "--api-token",
      description =
          "Bearer token every /v1/* call must carry, at least 16 characters (default: $STRANGLER_API_TOKEN, else none: the API is open to whoever reaches --bind).")
  String apiToken;

  @Option(
      names = "--deadline",
      defaultValue = "PT5S",
      description =
          "Overall deadline of a call, ISO-8601; a client's X-Timeout-Ms may only shorten it (default ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(
      names = "--pool-size",
      defaultValue = "16",
      description = "Connections of each store for authoritative calls (default ${DEFAULT-VALUE}).")
  int poolSize;

  @Option(
      names = "--shadow-pool-size",
      defaultValue = "8",
      description =
          "Connections of each store for shadow calls and re-reads, apart from the authoritative ones (default ${DEFAULT-VALUE}).")
  int shadowPoolSize;

  @Option(
      names = "--redis",
      description = "Legacy Redis, redis://host:port/db (default: an embedded Redis).")
  String redis;

  @Option(
      names = "--postgres",
      description =
          "Control plane PostgreSQL, postgresql://user@host:port/db (default: an embedded PostgreSQL).")
  String postgres;

  @Option(
      names = "--topology",
      description =
          "A topology file {\"regions\": {\"region\": [\"cluster\", ...]}} to apply to both backends.")
  Path topology;

  @ArgGroup(exclusive = true)
  FlagSourceOptions flagSource = new FlagSourceOptions();

  static final class FlagSourceOptions {
    @Option(
        names = "--flags",
        description =
            "Flags file, watched and applied within 1 s (default: strangler-flags.json, created with every API LEGACY_ONLY).")
    Path flagsFile;

    @ArgGroup(exclusive = false)
    UnleashOptions unleash;
  }

  static final class UnleashOptions {
    @Option(
        names = "--unleash",
        required = true,
        description =
            "Unleash API URL (toggles strangler.<Operation>, strangler.kill.legacy, strangler.kill.new).")
    URI url;

    @Option(names = "--unleash-token", required = true, description = "Unleash client API token.")
    String token;

    @Option(
        names = "--unleash-backup",
        description =
            "Unleash backup file (last known flags when Unleash is unreachable; default: unleash-backup-<instance id>.json in --state-dir).")
    Path backup;

    @Option(
        names = "--unleash-refresh",
        defaultValue = "PT15S",
        description =
            "How often toggles are fetched from Unleash, ISO-8601, at least PT1S (default ${DEFAULT-VALUE}).")
    Duration refresh;
  }

  @Option(
      names = "--shadow-timeout",
      defaultValue = "PT0.5S",
      description = "Per-call timeout of shadow calls, ISO-8601 (default ${DEFAULT-VALUE}).")
  Duration shadowTimeout;

  @Option(
      names = "--max-body",
      defaultValue = "1048576",
      description = "Largest request body in bytes (default ${DEFAULT-VALUE}).")
  int maxBody;

  @Option(
      names = "--state-dir",
      defaultValue = "strangler-state",
      description =
          "The proxy's local state: the journal of shadow writes to repair, in repairs/, and the Unleash backup file (default ${DEFAULT-VALUE}, in the working directory).")
  Path stateDir;

  @Option(
      names = "--repair-rate",
      defaultValue = "2000",
      description = "Entity repairs a second at most (default ${DEFAULT-VALUE}).")
  double repairRate;

  @Option(
      names = "--repair-journal-max-mb",
      defaultValue = "256",
      description =
          "Largest repair journal in MiB; past it an API is marked as needing a drift scan (default ${DEFAULT-VALUE}).")
  int repairJournalMaxMb;

  @Option(
      names = "--no-auto-rollback",
      description =
          "Never step an API back from NEW_PRIMARY by itself (the gates still show the new backend's health); for load tests that must hold their modes, or cut-overs stepped back by hand only.")
  boolean noAutoRollback;

  @Mixin RecordOptions record = new RecordOptions();

  @Mixin FleetOptions fleet = new FleetOptions();

  @Override
  public Integer call() throws Exception {
    record.check();
    fleet.check(flagSource.unleash != null);
    String token = AdminTokens.resolve(adminToken);
    String api = apiToken != null && !apiToken.isBlank() ? apiToken : System.getenv(API_TOKEN_ENV);
    // Checked before any store is opened: a bad option costs nothing.
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress(bind)
            .port(port)
            .adminBindAddress(adminBind)
            .adminPort(adminPort)
            .adminToken(token)
            .apiToken(api == null || api.isBlank() ? null : api)
            .deadline(deadline)
            .maxBodyBytes(maxBody)
            .shadowTimeout(shadowTimeout)
            .authoritativeConnections(poolSize)
            .shadowConnections(shadowPoolSize)
            .instanceId(fleet.instanceId(port))
            .build();
    StoreLocations stores = StoreLocations.resolve(redis, postgres);
    // Two planes per store, each with its own pool: the shadow side's stall cannot take the
    // authoritative side's connections (bulkheads).
    String jdbc = stores.postgres().jdbcUrl();
    String user = stores.postgres().user();
    String password = stores.postgres().password();
    Path journalDir = RepairWiring.journalDir(stateDir);
    RepairJournal.Config journal = RepairJournal.Config.in(journalDir);
    RepairWiring.Setup repairs =
        fleet.repairs(
            RepairWiring.Setup.of(journalDir, stores.redisUri(), stores.postgres())
                .withJournal(
                    new RepairJournal.Config(
                        journalDir,
                        journal.queueCapacity(),
                        (long) repairJournalMaxMb << 20,
                        journal.compactBytes()))
                .withRepairer(repairerConfig(repairRate)),
            config.instanceId());
    ControlPlane legacy =
        LegacyRedisControlPlane.create(stores.redisUri(), config.authoritativeConnections());
    ControlPlane controlPlane =
        new PostgresControlPlane(jdbc, user, password, config.authoritativeConnections());
    shareTopology(legacy, controlPlane, topology);
    // After the topology is shared: a plane reads the stored topology when it opens.
    ControlPlane legacyShadow =
        LegacyRedisControlPlane.create(stores.redisUri(), config.shadowConnections());
    ControlPlane controlPlaneShadow =
        new PostgresControlPlane(jdbc, user, password, config.shadowConnections());
    FlagAudit audit = FlagAudit.postgres(jdbc, user, password);
    FlagSource flags =
        fleet.sharedFlags
            ? fleet.openSharedFlags(stores.postgres(), flagSource.flagsFile, audit)
            : openFlags(flagSource, audit, config.instanceId(), stateDir);
    StranglerServer server =
        StranglerServer.start(
            config,
            legacy,
            legacyShadow,
            controlPlane,
            controlPlaneShadow,
            OverridingFlags.wrap(new ClosingFlags(flags, audit)),
            fleet.diff(StranglerServer.DiffSetup.defaults(stores.postgres())),
            record.start(),
            noAutoRollback
                ? CutoverConfig.defaults().withRollback(RollbackConfig.off())
                : CutoverConfig.defaults(),
            repairs);
    printUrls(server, token, adminToken == null && System.getenv(AdminTokens.ENV) == null);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down: finishing in-flight calls and shadow writes");
                  fleet.drainThenShutdown(server);
                  stopped.countDown();
                },
                "strangler-shutdown"));
    stopped.await();
    return 0;
  }

  static Repairer.Config repairerConfig(double perSecond) {
    return Repairer.Config.defaults().withPerSecond(perSecond);
  }

  static void shareTopology(ControlPlane legacy, ControlPlane controlPlane, Path file)
      throws IOException {
    Topology given = file == null ? null : Topologies.read(file);
    switch (Topologies.share(legacy, controlPlane, given)) {
      case GIVEN ->
          log.info("applied the topology of {} to both backends: {}", file, given.regions());
      case COPIED_FROM_LEGACY ->
          log.info(
              "applied the legacy store's topology to the control plane: {}",
              legacy.topology().regions());
      case ALREADY_EQUAL -> {}
      case NONE ->
          log.warn(
              "no topology in the legacy store and no --topology: every call naming a region or cluster will fail");
    }
  }

  /**
   * The flag source the options name. {@code instanceId} and {@code stateDir} are this proxy's:
   * without {@code --unleash-backup}, its Unleash backup file is {@link #unleashBackup} (never one
   * another proxy on the host writes).
   */
  static FlagSource openFlags(
      FlagSourceOptions options, FlagAudit audit, String instanceId, Path stateDir)
      throws IOException {
    List<String> operations = Operation.ALL.stream().map(Operation::name).toList();
    if (options.unleash != null) {
      UnleashFlags.Builder b =
          UnleashFlags.builder()
              .api(options.unleash.url, options.unleash.token)
              .appName("strangler")
              .fetchInterval(options.unleash.refresh)
              .knownOperations(operations)
              .audit(audit);
      Path backup =
          options.unleash.backup != null
              ? options.unleash.backup
              : unleashBackup(stateDir, instanceId);
      Files.createDirectories(backup.toAbsolutePath().getParent());
      return b.instanceId(instanceId).backupFile(backup).build();
    }
    Path file = options.flagsFile != null ? options.flagsFile : Path.of("strangler-flags.json");
    if (options.flagsFile == null && !Files.exists(file)) {
      Files.write(file, FlagsFile.allIn(Mode.LEGACY_ONLY, operations).toJson());
      log.info(
          "created {} with every API in LEGACY_ONLY; edit it or use `strangler flags set`",
          file.toAbsolutePath());
    }
    return FileFlags.builder(file).knownOperations(operations).audit(audit).build();
  }

  /** This proxy's default Unleash backup file: in its state directory, named by its instance id. */
  static Path unleashBackup(Path stateDir, String instanceId) {
    return stateDir.resolve("unleash-backup-" + UnleashFlags.fileSafe(instanceId) + ".json");
  }

  static void printUrls(StranglerServer server, String token, boolean printToken) {
    String admin = "http://127.0.0.1:" + server.adminPort();
    System.out.println();
    System.out.println("strangler is serving");
    System.out.println(
        "  control API  http://127.0.0.1:"
            + server.port()
            + "/v1/{Operation}   e.g. POST /v1/GetRepl {\"replId\": \"...\"}");
    System.out.println(
        "  admin        " + admin + "/admin/flags   (Authorization: Bearer <token>)");
    if (printToken) {
      System.out.println("  admin token  " + token);
    }
    System.out.println("  dashboard    " + admin + "/dashboard#token=<admin token>");
    System.out.println("  metrics      " + admin + "/metrics");
    System.out.println();
  }
}
