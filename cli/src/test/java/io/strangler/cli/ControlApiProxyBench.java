package io.strangler.cli;

import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.cutover.HealthWindow;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.DiffPipeline;
import io.strangler.diff.report.DiffStats;
import io.strangler.diff.report.Telemetry;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.CountingSink;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.bench.ProxyBench;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.proxy.ControlApiBinding;
import io.strangler.proxy.DiffWiring;
import io.strangler.servers.Servers;
import io.strangler.traffic.demo.DemoWorld;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code bench/proxy}: the proxy's cost on the control API over the real backends, measured side by
 * side in one run: (a) direct calls to the legacy backend, (b) direct calls to both, (c) the proxy
 * in LEGACY_ONLY, (d) the proxy in SHADOW, with the diff reporter comparing every call (sampling
 * 100%), (e) the floor: a bare HTTP front over the legacy backend with the proxy's Netty settings
 * and nothing else, (f) the same front calling both backends. Prints what the diff reporter
 * compared and dropped, then the ratios c/a, d/b, c/e and d/f on its last lines. The proxy's
 * outcome sink is the one `serve` composes. Not a test: run by the bench/proxy script.
 */
public final class ControlApiProxyBench {
  /**
   * The diff reporter's sampling ratio ({@code bench.sampling}, default 1: every call compared).
   */
  private static final double SAMPLING =
      Double.parseDouble(System.getProperty("bench.sampling", "1"));

  private ControlApiProxyBench() {}

  public static void main(String[] args) throws Exception {
    ProxyBench.Settings settings = ProxyBench.Settings.fromSystemProperties();
    int repls = Integer.getInteger("bench.repls", 10_000);
    int machines = Integer.getInteger("bench.machines", 50);
    RedisEndpoint redis = Servers.redis();
    PostgresEndpoint server = Servers.postgres();
    int redisDb = Integer.getInteger("bench.redisDb", 15);
    String dbName = "strangler_bench_" + ProcessHandle.current().pid();
    PostgresEndpoint pg = server.createDatabase(dbName);
    try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis(redis.host(), redis.port())) {
      j.select(redisDb);
      j.flushDB();
    }
    int pool = Math.max(16, settings.clients() * 2);
    DiffConfig diffConfig =
        DiffConfig.builder()
            .apis(Operation.ALL.stream().map(Operation::name).toList())
            .sampling(SAMPLING)
            .build();
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(redisDb), pool);
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password(), pool);
        Telemetry telemetry = Telemetry.create()) {
      DemoWorld world = new DemoWorld(3, 2, machines, repls, 7);
      long t0 = System.nanoTime();
      world.seed(legacy, controlPlane, Clock.systemUTC().instant(), n -> {});
      try (var c = pg.connect();
          var s = c.createStatement()) {
        // As after an import (and as bench/hosting does): statistics for the planner and the
        // visibility map, so that no phase runs while autovacuum catches up with the seeding.
        s.execute("VACUUM ANALYZE");
      }
      System.out.printf(
          Locale.ROOT,
          "seeded %d repls and %d machines into both stores in %.1f s%n",
          repls,
          machines,
          (System.nanoTime() - t0) / 1e9);
      ApiRegistry apis = ControlApiBinding.registry();
      Backend legacyBackend = ControlApiBinding.backend(legacy);
      Backend newBackend = ControlApiBinding.backend(controlPlane);
      // The sink as StranglerServer composes it for `serve` (without a traffic log): outcome
      // counts, the diff reporter, the cut-over's health window.
      HealthWindow health = new HealthWindow(Duration.ofMinutes(5), Clock.systemUTC());
      DiffPipeline pipeline =
          DiffPipeline.builder(diffConfig)
              .rereader(DiffWiring.rereader(apis, legacyBackend, newBackend, Clock.systemUTC()))
              .meterProvider(telemetry.meterProvider())
              .listener(health)
              .build();
      OutcomeSink sink = new CountingSink().andThen(DiffWiring.sink(pipeline)).andThen(health);
      try {
        new ProxyBench(
                apis,
                legacyBackend,
                newBackend,
                workload(settings.clients(), world, machines),
                settings,
                System.out)
            .sink(sink, () -> report(pipeline))
            .run();
      } finally {
        pipeline.close(Duration.ofSeconds(30));
      }
    } finally {
      server.dropDatabase(dbName);
    }
  }

  private static List<String> report(DiffPipeline pipeline) {
    DiffStats stats = pipeline.stats();
    long compared = 0;
    for (Verdict v : Verdict.values()) {
      compared += pipeline.processed(v);
    }
    long dropped = stats.dropped().values().stream().mapToLong(Long::longValue).sum();
    return List.of(
        String.format(
            Locale.ROOT,
            "diff reporter (sampling %.0f%%): %d calls compared, %d dropped %s, %d MISMATCH, queue capacity %d",
            SAMPLING * 100,
            compared,
            dropped,
            stats.dropped(),
            pipeline.processed(Verdict.MISMATCH),
            stats.queueCapacity()));
  }

  /**
   * Hosting and cluster reads dominate, as on the platform; a tenth are writes. The writes change
   * nothing (ConnectRepl of a running repl answers its container; RegisterMachine again with the
   * same fields is idempotent) so that phases (a) and (c), which write to legacy only, leave both
   * stores equal for (d): the diff reporter then compares what it compares in production, not a
   * divergence the benchmark made.
   */
  private static ProxyBench.Workload workload(int clients, DemoWorld world, int machines) {
    int[] running =
        java.util.stream.IntStream.range(0, world.repls).filter(world::running).toArray();
    List<String> clusters =
        world.topology.regions().values().stream().flatMap(List::stream).sorted().toList();
    SplittableRandom[] randoms = new SplittableRandom[clients];
    for (int c = 0; c < clients; c++) {
      randoms[c] = new SplittableRandom(1000 + c);
    }
    return (client, seq) -> {
      SplittableRandom r = randoms[client];
      int repl = r.nextInt(world.repls);
      int roll = r.nextInt(100);
      String op;
      String body;
      if (roll < 50) {
        op = "GetHostingMetadata";
        body = "{\"slug\":\"" + DemoWorld.slug(repl) + "\"}";
      } else if (roll < 65) {
        op = "GetRepl";
        body = "{\"replId\":\"" + DemoWorld.replId(repl) + "\"}";
      } else if (roll < 75) {
        op = "ResolveCluster";
        body = "{\"replId\":\"" + DemoWorld.replId(repl) + "\"}";
      } else if (roll < 82) {
        op = "ListContainers";
        body = "{\"replId\":\"" + DemoWorld.replId(repl) + "\"}";
      } else if (roll < 90) {
        op = "ListMachines";
        body = "{\"cluster\":\"" + clusters.get(r.nextInt(clusters.size())) + "\"}";
      } else if (roll < 95) {
        int m = r.nextInt(machines);
        op = "RegisterMachine";
        body =
            "{\"machineId\":\""
                + DemoWorld.machineId(m)
                + "\",\"cluster\":\""
                + clusters.get(m % clusters.size())
                + "\",\"address\":\""
                + DemoWorld.address(m)
                + "\",\"capacity\":"
                + DemoWorld.CAPACITY
                + "}";
      } else {
        op = "ConnectRepl";
        body = "{\"replId\":\"" + DemoWorld.replId(running[r.nextInt(running.length)]) + "\"}";
      }
      return new ProxyBench.BenchCall(op, body.getBytes(StandardCharsets.UTF_8));
    };
  }
}
