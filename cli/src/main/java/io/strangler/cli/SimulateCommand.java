package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.dispatch.RecordingStats;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.Servers;
import io.strangler.traffic.replay.Durations;
import io.strangler.traffic.replay.InProcessStores;
import io.strangler.traffic.replay.Pacing;
import io.strangler.traffic.replay.ProxyAdmin;
import io.strangler.traffic.replay.ProxyTarget;
import io.strangler.traffic.replay.ReplayException;
import io.strangler.traffic.replay.ReplayReport;
import io.strangler.traffic.replay.Replayer;
import io.strangler.traffic.replay.Target;
import io.strangler.traffic.simulate.LogWriter;
import io.strangler.traffic.simulate.Readback;
import io.strangler.traffic.simulate.SimulationConfig;
import io.strangler.traffic.simulate.World;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code strangler simulate}: a platform-shaped workload against a proxy or both backends. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Drives a synthetic workload modeled on the platform and reports consistency per API.",
      "",
      "Drives a workload modeled on the platform: users in regions us and eu, repls they create,",
      "machines registering and heartbeating, connects to Zipf-popular repls, containers stopped,",
      "hosting reads; partway through, region asia opens and its users' repls are marked for a lazy",
      "transfer (only those connected afterwards move); later machines are drained and replaced.",
      "It reports placement uniformity (running containers per ACTIVE machine, read back with",
      "ListMachines), every applied transfer checked (new cluster, tombstone from the old one), and",
      "per-API latency. --out writes the traffic as a log `strangler replay` reads. Bounded: it stops",
      "after --duration (at most --rate x --duration calls). Use scratch stores: it creates repls",
      "r-0, r-1, ... and machines m-<cluster>-<n>."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:an error (an unreachable target, a topology it lacks)",
      "2:bad usage",
      "3:an applied transfer left a repl in the wrong place"
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  strangler simulate --print-topology > topology.json",
      "  strangler serve --topology topology.json --flags flags.json &",
      "  strangler simulate --target http://127.0.0.1:8080 --rate 200/s --duration 5m --seed 7",
      "  strangler simulate --rate 500/s --duration 1m --out sim.jsonl   # in process, embedded stores"
    })
public final class SimulateCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(SimulateCommand.class);
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true)
  Where where = new Where();

  static final class Where {
    @Option(
        names = "--target",
        paramLabel = "URL",
        description =
            "A running proxy, e.g. http://127.0.0.1:8080, serving the simulation's topology (see --print-topology).")
    URI target;

    @Option(
        names = "--inprocess",
        description =
            "Both backends in this process: --redis and --postgres, or embedded servers when not given. The default with --out and no --target.")
    boolean inprocess;
  }

  @Option(
      names = "--redis",
      paramLabel = "URL",
      description = "With --inprocess: a scratch legacy Redis (default: an embedded one).")
  String redis;

  @Option(
      names = "--postgres",
      paramLabel = "URL",
      description =
          "With --inprocess: a scratch control plane PostgreSQL (default: an embedded one).")
  String postgres;

  @Option(
      names = "--rate",
      paramLabel = "N/s",
      defaultValue = "100/s",
      description = "Calls per second (default ${DEFAULT-VALUE}).")
  String rate;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "How long the traffic runs, at most 24h (default ${DEFAULT-VALUE}).")
  String duration;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description =
          "Seed of the workload (default ${DEFAULT-VALUE}); with --load.concurrency 1 the same seed sends the same calls.")
  long seed;

  @Option(
      names = "--users",
      defaultValue = "500",
      description = "Users (default ${DEFAULT-VALUE}).")
  int users;

  @Option(
      names = "--repls-per-user",
      defaultValue = "2",
      description = "Repls each user starts with (default ${DEFAULT-VALUE}).")
  int replsPerUser;

  @Option(
      names = "--machines-per-cluster",
      defaultValue = "6",
      description = "Machines in each cluster (default ${DEFAULT-VALUE}).")
  int machinesPerCluster;

  @Option(
      names = "--capacity",
      defaultValue = "50",
      description = "Containers a machine takes (default ${DEFAULT-VALUE}).")
  int capacity;

  @Option(
      names = "--mean-lifetime",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "Mean time a container runs before it is stopped (default ${DEFAULT-VALUE}).")
  String meanLifetime;

  @Option(
      names = "--heartbeat-every",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "How often each machine heartbeats (default ${DEFAULT-VALUE}).")
  String heartbeatEvery;

  @Option(
      names = "--transfer-at",
      defaultValue = "0.3",
      description =
          "When region asia opens and its users' repls are marked to move, as a fraction of the run (default ${DEFAULT-VALUE}).")
  double transferAt;

  @Option(
      names = "--drain-at",
      defaultValue = "0.7",
      description =
          "When a machine of each us and eu cluster drains, as a fraction of the run (default ${DEFAULT-VALUE}).")
  double drainAt;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Also write the traffic as a traffic log (JSON Lines) for `strangler replay`.")
  Path out;

  @Option(
      names = "--print-topology",
      description = "Print the topology the simulation uses (for `serve --topology`) and exit.")
  boolean printTopology;

  @Mixin LoadOptions load;

  @Mixin ProxyAdminOptions proxy;

  @Mixin ReportOptions output;

  @Override
  public Integer call() {
    try {
      if (printTopology) {
        System.out.println(
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(World.topology()));
        return 0;
      }
      return simulate();
    } catch (ReplayException e) {
      System.err.println("strangler simulate: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("strangler simulate: interrupted");
      return 130;
    } catch (IOException e) {
      System.err.println("strangler simulate: " + e.getMessage());
      return 1;
    }
  }

  private int simulate() throws InterruptedException, IOException {
    SimulationConfig config;
    Pacing.Rate pacing;
    Replayer.Settings settings;
    try {
      config =
          new SimulationConfig(
              Pacing.rate(rate).perSecond(),
              duration(duration, "--duration"),
              seed,
              users,
              replsPerUser,
              machinesPerCluster,
              capacity,
              duration(meanLifetime, "--mean-lifetime"),
              duration(heartbeatEvery, "--heartbeat-every"),
              transferAt,
              drainAt);
      pacing = new Pacing.Rate(config.rate());
      settings = new Replayer.Settings(pacing, load.concurrency, config.calls(), config.duration());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (where.target == null && !where.inprocess && out == null) {
      throw new ParameterException(
          spec.commandLine(),
          "say where the traffic goes: --target URL (a proxy), --inprocess, or --out FILE (a log, made in process)");
    }
    if (proxy.given() && where.target == null) {
      throw new ParameterException(
          spec.commandLine(), "--admin reads a proxy's comparison: it goes with --target");
    }
    World world = new World(config, Clock.systemUTC());
    ReplayReport calls = new ReplayReport(ReplayReport.Reproduction.EXACT);
    Replayer.Schedule schedule;
    ObjectNode placement;
    ObjectNode transfers;
    String described;
    LogWriter logWriter = out == null ? null : new LogWriter(out);
    ProxyAdmin proxyAdmin = proxy.given() ? proxy.open() : null;
    try (Target target = target()) {
      described = target.describe();
      Readback readback = new Readback(target, seed);
      readback.requireTopology(World.topology());
      log.info(
          "simulating {} calls/s for {} against {}", config.rate(), config.duration(), described);
      ProxyAdmin.Counters before = proxyAdmin == null ? null : proxyAdmin.counters();
      schedule =
          new Replayer(settings)
              .run(
                  world,
                  target,
                  sent -> {
                    world.done(sent);
                    calls.done(sent);
                    if (logWriter != null) {
                      logWriter.done(sent);
                    }
                  });
      if (proxyAdmin != null) {
        // Before the read-back, so that the figures are the simulated traffic's alone.
        proxyAdmin.awaitSettled(Duration.ofSeconds(30));
        calls.proxyDiff(before, proxyAdmin.counters());
      }
      placement = readback.placement(World.topology());
      transfers =
          readback.transfers(
              world.moved(), world.transfersMarked(), world.transfersPending(), World.NEW_REGION);
    } finally {
      if (logWriter != null) {
        logWriter.close();
      }
      if (proxyAdmin != null) {
        proxyAdmin.close();
      }
    }
    RecordingStats logged = logWriter == null ? null : logWriter.stats();
    ObjectNode header = JSON.createObjectNode();
    header.put(
        "title",
        String.format(
            Locale.ROOT,
            "simulation of %s calls/s for %s (seed %d) against %s",
            trim(config.rate()),
            duration,
            seed,
            described));
    header.set("config", JSON.valueToTree(configJson(config)));
    ObjectNode result = calls.toJson(header, schedule);
    result.set("placement", placement);
    result.set("transfers", transfers);
    ObjectNode w = result.putObject("world");
    w.put("replsCreated", world.replsKnown());
    w.put("containersRunning", world.containersRunning());
    w.put("placementFailures", world.placementFailures());
    w.put("otherErrors", world.errors());
    w.put("newRegionOpened", world.newRegionOpened());
    if (logged != null) {
      result
          .putObject("log")
          .put("file", out.toString())
          .put("written", logged.written())
          .put("dropped", logged.dropped() + logged.failed());
    }
    emit(result);
    return transfers.path("wrong").asLong() > 0 ? 3 : 0;
  }

  private Target target() {
    if (where.target != null) {
      if (redis != null || postgres != null) {
        throw new ParameterException(
            spec.commandLine(), "--redis and --postgres go with --inprocess, not --target");
      }
      ProxyTarget t;
      try {
        t = new ProxyTarget(where.target, duration(load.timeout, "--timeout"), load.routingKeys());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      try {
        t.checkReachable();
      } catch (ReplayException e) {
        t.close();
        throw e;
      }
      return t;
    }
    String redisUrl = redis;
    if (redisUrl == null) {
      redisUrl = Servers.startEmbeddedRedis().uri(0);
      log.info(
          "no --redis given: started an embedded Redis at {} (its data is gone when strangler exits)",
          redisUrl);
    }
    PostgresEndpoint pg;
    if (postgres == null) {
      pg = Servers.startEmbeddedPostgres();
      log.info(
          "no --postgres given: started an embedded PostgreSQL at {} (its data is gone when strangler exits)",
          pg.jdbcUrl());
    } else {
      try {
        pg = PostgresEndpoint.parse(postgres);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--postgres: " + e.getMessage());
      }
    }
    return InProcessStores.open(redisUrl, pg, World.topology(), Clock.systemUTC());
  }

  private static JsonNode configJson(SimulationConfig c) {
    ObjectNode n = JSON.createObjectNode();
    n.put("rate", c.rate());
    n.put("durationSeconds", c.duration().toNanos() / 1e9);
    n.put("seed", c.seed());
    n.put("users", c.users());
    n.put("replsPerUser", c.replsPerUser());
    n.put("machinesPerCluster", c.machinesPerCluster());
    n.put("capacity", c.capacity());
    n.put("meanLifetimeSeconds", c.meanLifetime().toNanos() / 1e9);
    n.put("heartbeatEverySeconds", c.heartbeatEvery().toNanos() / 1e9);
    n.put("transferAt", c.transferAt());
    n.put("drainAt", c.drainAt());
    return n;
  }

  private void emit(ObjectNode result) throws IOException {
    String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result);
    output.emit(spec.commandLine().getOut(), text, () -> text(result));
  }

  static String text(JsonNode r) {
    StringBuilder b = new StringBuilder(ReplayReport.text(r));
    JsonNode p = r.path("placement");
    b.append(
        String.format(
            Locale.ROOT,
            "%nplacement: running containers per ACTIVE machine (%d machines, %d containers, %d draining)%n",
            p.path("activeMachines").asLong(),
            p.path("runningContainers").asLong(),
            p.path("drainingMachines").asLong()));
    b.append(line("all", p));
    p.path("byRegion").properties().forEach(e -> b.append(line(e.getKey(), e.getValue())));
    JsonNode t = r.path("transfers");
    b.append(
        String.format(
            Locale.ROOT,
            "%nlazy transfers to the new region: %d marked, %d applied by a connect, %d still pending;"
                + " %d applied transfers verified (new cluster, tombstone from the old one), %d wrong%n",
            t.path("marked").asLong(),
            t.path("applied").asLong(),
            t.path("pending").asLong(),
            t.path("verified").asLong(),
            t.path("wrong").asLong()));
    for (JsonNode wrong : t.path("wrongExamples")) {
      b.append("  ")
          .append(wrong.path("replId").asText())
          .append(": ")
          .append(wrong.path("problem").asText())
          .append('\n');
    }
    JsonNode w = r.path("world");
    b.append(
        String.format(
            Locale.ROOT,
            "world: %d repls created, %d containers running at the end, %d connects found no capacity, %d other errors%n",
            w.path("replsCreated").asLong(),
            w.path("containersRunning").asLong(),
            w.path("placementFailures").asLong(),
            w.path("otherErrors").asLong()));
    if (r.has("log")) {
      b.append(
          String.format(
              Locale.ROOT,
              "log: %d calls written to %s (%d lost)%n",
              r.at("/log/written").asLong(),
              r.at("/log/file").asText(),
              r.at("/log/dropped").asLong()));
    }
    return b.toString();
  }

  private static String line(String name, JsonNode s) {
    if (!s.has("p50")) {
      return String.format(Locale.ROOT, "  %-6s no active machine%n", name);
    }
    return String.format(
        Locale.ROOT,
        "  %-6s p50 %d, p99 %d, max %d (min %d, mean %.2f) over %d machines%n",
        name,
        s.path("p50").asInt(),
        s.path("p99").asInt(),
        s.path("max").asInt(),
        s.path("min").asInt(),
        s.path("mean").asDouble(),
        s.path("activeMachines").asInt());
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static Duration duration(String text, String option) {
    return Durations.parse(text, option);
  }
}
