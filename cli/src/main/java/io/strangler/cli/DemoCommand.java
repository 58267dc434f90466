package io.strangler.cli;

import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.cutover.CutoverConfig;
import io.strangler.cutover.RollbackConfig;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.OverridingFlags;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.proxy.ClosingFlags;
import io.strangler.proxy.RepairWiring;
import io.strangler.proxy.StranglerServer;
import io.strangler.traffic.demo.DemoTraffic;
import io.strangler.traffic.demo.DemoWorld;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strangler demo}: everything at once on one machine. Embedded Redis and PostgreSQL, a
 * sample world written into both, every API in SHADOW, a light live traffic mix through the proxy,
 * and the URLs to look at.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the whole product on embedded stores with a sample world and live traffic, and prints its URLs.",
      "",
      "Starts embedded Redis and PostgreSQL, seeds the same sample world into both (regions x",
      "clusters, machines, repls), serves the proxy with every API in SHADOW, drives a light live",
      "traffic mix through it and prints the URLs. Runs until Ctrl-C (or --duration)."
    })
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "API port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--admin-port",
      defaultValue = "8081",
      description = "Admin port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int adminPort;

  @Option(
      names = "--admin-token",
      description =
          "Admin bearer token (default: $STRANGLER_ADMIN_TOKEN, else a random one, printed).")
  String adminToken;

  @Option(names = "--redis", description = "Use this (empty) Redis instead of an embedded one.")
  String redis;

  @Option(
      names = "--postgres",
      description = "Use this (empty) PostgreSQL database instead of an embedded one.")
  String postgres;

  @Option(
      names = "--regions",
      defaultValue = "3",
      description = "Regions (default ${DEFAULT-VALUE}).")
  int regions;

  @Option(
      names = "--clusters-per-region",
      defaultValue = "2",
      description = "Clusters per region (default ${DEFAULT-VALUE}).")
  int clustersPerRegion;

  @Option(
      names = "--machines",
      defaultValue = "50",
      description = "Machines (default ${DEFAULT-VALUE}).")
  int machines;

  @Option(
      names = "--repls",
      defaultValue = "10000",
      description = "Repls (default ${DEFAULT-VALUE}).")
  int repls;

  @Option(
      names = "--rate",
      defaultValue = "50",
      description = "Live calls per second (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the sample world and the traffic (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--duration",
      description = "Stop after this long, ISO-8601 (e.g. PT30S); default: until Ctrl-C.")
  Duration duration;

  /** The demo's automatic-rollback window (the proxy's default is 60 s). */
  static final Duration ROLLBACK_WINDOW = Duration.ofSeconds(20);

  @Override
  public Integer call() {
    return Cli.guard(this::runDemo);
  }

  private void runDemo() throws Exception {
    if (regions < 1 || clustersPerRegion < 1 || machines < 1 || repls < 1 || rate < 1) {
      throw new CliException(
          "--regions, --clusters-per-region, --machines, --repls and --rate must be at least 1");
    }
    // Every option is checked before anything starts: a bad token must not cost a seeding.
    String token = AdminTokens.resolve(adminToken);
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress("127.0.0.1")
            .port(port)
            .adminBindAddress("127.0.0.1")
            .adminPort(adminPort)
            .adminToken(token)
            .build();

    System.out.println("strangler demo: starting the stores ...");
    StoreLocations stores = StoreLocations.resolve(redis, postgres);
    ControlPlane legacy = LegacyRedisControlPlane.create(stores.redisUri());
    ControlPlane controlPlane =
        new PostgresControlPlane(
            stores.postgres().jdbcUrl(), stores.postgres().user(), stores.postgres().password());
    if (!legacy.topology().regions().isEmpty() || !controlPlane.topology().regions().isEmpty()) {
      legacy.close();
      controlPlane.close();
      throw new CliException(
          "the demo needs empty stores, and these already hold a topology: omit --redis/--postgres to use embedded ones");
    }
    DemoWorld world = new DemoWorld(regions, clustersPerRegion, machines, repls, seed);
    long t0 = System.nanoTime();
    System.out.printf(
        "seeding %d regions x %d clusters, %d machines, %d repls into both stores ...%n",
        regions, clustersPerRegion, machines, repls);
    world.seed(
        legacy,
        controlPlane,
        Clock.systemUTC().instant(),
        n -> System.out.printf("  %,d / %,d repls%n", n, repls));
    System.out.printf("seeded in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    List<String> operations = Operation.ALL.stream().map(Operation::name).toList();
    Path flagsFile = Files.createTempFile("strangler-demo-flags", ".json");
    flagsFile.toFile().deleteOnExit();
    Files.write(flagsFile, FlagsFile.allIn(Mode.SHADOW, operations).toJson());
    ClosingFlags flags = ClosingFlags.file(flagsFile, stores.postgres());
    // Shadow writes that fail are journaled and repaired, as with serve (the journal in a temporary
    // directory: the demo's stores do not outlive it either).
    Path stateDir = Files.createTempDirectory("strangler-demo-state");
    RepairWiring.Setup repairs =
        RepairWiring.Setup.of(
            RepairWiring.journalDir(stateDir), stores.redisUri(), stores.postgres());
    // A file to break the new backend on purpose (the cut-over walkthrough's fault).
    DemoFaults faults = DemoFaults.watch(stateDir.resolve("faults"));
    ControlPlane newBackend = faults.wrap(controlPlane);
    StranglerServer server =
        StranglerServer.start(
            config,
            legacy,
            legacy,
            newBackend,
            newBackend,
            OverridingFlags.wrap(flags),
            StranglerServer.DiffSetup.defaults(stores.postgres()),
            TrafficRecorder.disabled(),
            // A short rollback window: the walkthrough's rollback comes within ~25 s of a fault.
            CutoverConfig.defaults()
                .withRollback(RollbackConfig.defaults().withWindow(ROLLBACK_WINDOW)),
            repairs);
    DemoTraffic traffic =
        new DemoTraffic(world, URI.create("http://127.0.0.1:" + server.port()), seed);
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, "demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      traffic.start(rate);
      printUrls(server, token, flagsFile, faults.file());
      long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
      while (!stop.await(
              Math.min(10_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
              TimeUnit.MILLISECONDS)
          && System.nanoTime() < deadline) {
        System.out.printf(
            "traffic: %,d calls sent, HTTP statuses %s; %s%n",
            traffic.sent(), traffic.statuses(), compared(server));
      }
    } finally {
      traffic.close();
      server.shutdown(Duration.ofSeconds(10));
      faults.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down.
      }
    }
    System.out.printf(
        "demo stopped: %,d calls sent, HTTP statuses %s%n", traffic.sent(), traffic.statuses());
  }

  /** What the diff reporter made of the calls so far, in a few words. */
  static String compared(StranglerServer server) {
    java.util.Map<String, Long> verdicts = new java.util.TreeMap<>();
    long total = 0;
    for (io.strangler.diff.Verdict v : io.strangler.diff.Verdict.values()) {
      long n = server.diff().processed(v);
      total += n;
      if (n > 0) {
        verdicts.put(v.name(), n);
      }
    }
    return String.format("compared %,d: %s", total, verdicts);
  }

  private static void printUrls(
      StranglerServer server, String token, Path flagsFile, Path faultsFile) {
    String api = "http://127.0.0.1:" + server.port();
    String admin = "http://127.0.0.1:" + server.adminPort();
    System.out.println();
    System.out.println(
        "strangler demo is running: every API in SHADOW (legacy answers, the control plane shadows)");
    System.out.println("  control API   " + api + "/v1/{Operation}");
    System.out.println(
        "                curl -s -H 'Content-Type: application/json' "
            + api
            + "/v1/GetHostingMetadata -d '{\"slug\":\"app-000001\"}'");
    System.out.println("  admin         " + admin + "/admin/flags");
    System.out.println(
        "                curl -s -H 'Authorization: Bearer "
            + token
            + "' "
            + admin
            + "/admin/flags");
    System.out.println("  admin token   " + token);
    System.out.println("  dashboard     " + admin + "/dashboard#token=" + token);
    System.out.println(
        "  metrics       "
            + admin
            + "/metrics   readiness "
            + admin
            + "/admin/readiness   mismatches "
            + admin
            + "/admin/mismatches");
    System.out.println(
        "  flags file    "
            + flagsFile
            + "  (edit it, or: STRANGLER_ADMIN_TOKEN="
            + token
            + " bin/strangler flags set GetRepl NEW_PRIMARY --admin "
            + admin
            + ")");
    System.out.println(
        "  faults        "
            + faultsFile
            + "  (break the new backend: echo 'ListMachines errors' > it, or '<Operation> slow' for"
            + " 300 ms more; empty it to heal; automatic rollback window "
            + ROLLBACK_WINDOW.toSeconds()
            + " s)");
    System.out.println("  Ctrl-C stops the demo.");
    System.out.println();
  }
}
