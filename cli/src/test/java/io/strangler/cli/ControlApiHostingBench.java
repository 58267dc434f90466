package io.strangler.cli;

import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.DiffPipeline;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.CountingSink;
import io.strangler.dispatch.DispatchServer;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import io.strangler.dispatch.bench.RawHttpClient;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.proxy.ControlApiBinding;
import io.strangler.proxy.DiffWiring;
import io.strangler.servers.Servers;
import io.strangler.traffic.demo.DemoWorld;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bench/hosting}: GetHostingMetadata, the hosting tier's read, at 64 concurrent clients,
 * side by side in one run: (L) the legacy Redis backend alone and (N) the PostgreSQL control plane
 * alone, called in process, then through the proxy over HTTP in (S) SHADOW (legacy answers, the new
 * store is called and compared off the client's path) and (P) NEW_PRIMARY (the new store answers,
 * legacy is the shadow). The phases take turns for {@code bench.rounds} rounds, so that a load that
 * comes and goes on a shared machine falls on all of them. Prints each phase's p50 and p99 and, on
 * its last two lines, p99 new / legacy directly (N/L) and through the proxy (P/S): the goal is at
 * most 0.5. Not a test: run by the bench/hosting script.
 */
public final class ControlApiHostingBench {
  private static final String OP = "GetHostingMetadata";

  private ControlApiHostingBench() {}

  /** One phase: how a client makes a call. */
  private record Phase(String name, CallerFactory callers, Mode mode) {}

  @FunctionalInterface
  private interface Caller extends AutoCloseable {
    /** Makes one call; answers whether it failed. */
    boolean call(byte[] body) throws Exception;

    @Override
    default void close() throws java.io.IOException {}
  }

  @FunctionalInterface
  private interface CallerFactory {
    Caller open(int client) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int clients = Integer.getInteger("bench.clients", 64);
    int rounds = Integer.getInteger("bench.rounds", 3);
    Duration warmup = Duration.parse(System.getProperty("bench.warmup", "PT3S"));
    Duration measure = Duration.parse(System.getProperty("bench.measure", "PT5S"));
    int repls = Integer.getInteger("bench.repls", 10_000);
    int machines = Integer.getInteger("bench.machines", 50);
    RedisEndpoint redis = Servers.redis();
    PostgresEndpoint server = Servers.postgres();
    int redisDb = Integer.getInteger("bench.redisDb", 15);
    String dbName = "strangler_bench_hosting_" + ProcessHandle.current().pid();
    PostgresEndpoint pg = server.createDatabase(dbName);
    try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis(redis.host(), redis.port())) {
      j.select(redisDb);
      j.flushDB();
    }
    // Connections to each store, as serve's --pool-size (16): more clients than connections wait
    // in the pool, as they would in production; -Dbench.pool=64 gives each client its own.
    int pool = Integer.getInteger("bench.pool", 16);
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(redisDb), pool);
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password(), pool)) {
      DemoWorld world = new DemoWorld(3, 2, machines, repls, 7);
      long t0 = System.nanoTime();
      world.seed(legacy, controlPlane, Clock.systemUTC().instant(), n -> {});
      try (var c = pg.connect();
          var s = c.createStatement()) {
        // As after an import: statistics for the planner, the visibility map for index-only scans.
        s.execute("VACUUM ANALYZE");
      }
      long running = java.util.stream.IntStream.range(0, repls).filter(world::running).count();
      System.out.printf(
          Locale.ROOT,
          "seeded %d repls (%d running) and %d machines into both stores in %.1f s%n",
          repls,
          running,
          machines,
          (System.nanoTime() - t0) / 1e9);
      run(legacy, controlPlane, world, clients, pool, rounds, warmup, measure);
    } finally {
      server.dropDatabase(dbName);
    }
  }

  private static void run(
      ControlPlane legacy,
      ControlPlane controlPlane,
      DemoWorld world,
      int clients,
      int pool,
      int rounds,
      Duration warmup,
      Duration measure)
      throws Exception {
    ApiRegistry apis = ControlApiBinding.registry();
    ApiSpec spec = apis.find(OP).orElseThrow();
    Backend legacyBackend = ControlApiBinding.backend(legacy);
    Backend newBackend = ControlApiBinding.backend(controlPlane);
    DiffPipeline pipeline =
        DiffPipeline.builder(
                DiffConfig.builder()
                    .apis(Operation.ALL.stream().map(Operation::name).toList())
                    .build())
            .rereader(DiffWiring.rereader(apis, legacyBackend, newBackend, Clock.systemUTC()))
            .build();
    FakeFlags flags = new FakeFlags(Mode.SHADOW);
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .adminPort(0)
            .adminToken("benchmark-admin-token")
            .callThreads(clients)
            .shadowThreads(clients)
            .shadowBudget(1_000_000)
            .shadowTimeout(Duration.ofMinutes(1))
            .build();
    AtomicLong ids = new AtomicLong();
    try (DispatchServer proxy =
        DispatchServer.builder(config)
            .apis(apis)
            .flags(flags)
            .legacy(legacyBackend)
            .newer(newBackend)
            .sink(new CountingSink().andThen(DiffWiring.sink(pipeline)))
            .start()) {
      int port = proxy.port();
      List<Phase> phases =
          List.of(
              new Phase("(L) legacy Redis, direct", c -> direct(spec, legacyBackend, ids), null),
              new Phase("(N) PostgreSQL, direct", c -> direct(spec, newBackend, ids), null),
              new Phase("(S) proxy, SHADOW", c -> overHttp(port), Mode.SHADOW),
              new Phase("(P) proxy, NEW_PRIMARY", c -> overHttp(port), Mode.NEW_PRIMARY));
      System.out.printf(
          Locale.ROOT,
          "hosting benchmark: %s at %d clients, %d connections to each store, %d round(s) of warm-up"
              + " %s and measure %s per phase, %d processors, Java %s%n",
          OP,
          clients,
          pool,
          rounds,
          warmup,
          measure,
          Runtime.getRuntime().availableProcessors(),
          Runtime.version());
      Map<String, List<long[]>> latencies = new LinkedHashMap<>();
      Map<String, long[]> totals = new LinkedHashMap<>(); // calls, failed, elapsed nanos
      for (int round = 1; round <= rounds; round++) {
        for (Phase ph : phases) {
          if (ph.mode() != null) {
            flags.setDefault(ph.mode());
          }
          Measured m = phase(ph.callers(), world, clients, warmup, measure);
          if (ph.mode() != null) {
            // The shadow calls left when the clients stopped finish before the next phase.
            while (proxy.stats().shadowCallsPending() > 0) {
              Thread.sleep(1); // polling a gauge between phases, off every measured path
            }
          }
          System.out.printf(
              Locale.ROOT,
              "  %s round %d: %d calls, %.0f/s, p50 %.3f ms, p99 %.3f ms, %d failed%n",
              ph.name(),
              round,
              m.latencies.length,
              m.latencies.length / (m.elapsedNanos / 1e9),
              pct(m.latencies, 0.50) / 1e6,
              pct(m.latencies, 0.99) / 1e6,
              m.failed);
          latencies.computeIfAbsent(ph.name(), k -> new ArrayList<>()).add(m.latencies);
          long[] t = totals.computeIfAbsent(ph.name(), k -> new long[3]);
          t[0] += m.latencies.length;
          t[1] += m.failed;
          t[2] += m.elapsedNanos;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%-28s %10s %8s %10s %9s %9s%n",
          "phase",
          "calls",
          "failed",
          "calls/s",
          "p50 ms",
          "p99 ms");
      Map<String, long[]> sorted = new LinkedHashMap<>();
      latencies.forEach(
          (name, parts) -> {
            long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            sorted.put(name, all);
            long[] t = totals.get(name);
            System.out.printf(
                Locale.ROOT,
                "%-28s %10d %8d %10.0f %9.3f %9.3f%n",
                name,
                t[0],
                t[1],
                t[0] / (t[2] / 1e9),
                pct(all, 0.50) / 1e6,
                pct(all, 0.99) / 1e6);
          });
      System.out.printf(
          Locale.ROOT,
          "diff reporter: %d compared, %d MISMATCH%n",
          Arrays.stream(Verdict.values()).mapToLong(pipeline::processed).sum(),
          pipeline.processed(Verdict.MISMATCH));
      List<String> names = List.copyOf(sorted.keySet());
      System.out.println(ratio("direct  N/L", sorted.get(names.get(1)), sorted.get(names.get(0))));
      System.out.println(ratio("proxied P/S", sorted.get(names.get(3)), sorted.get(names.get(2))));
    } finally {
      pipeline.close(Duration.ofSeconds(30));
    }
  }

  private static String ratio(String name, long[] newer, long[] legacy) {
    double p99 = (double) pct(newer, 0.99) / pct(legacy, 0.99);
    return String.format(
        Locale.ROOT,
        "%s p99 new / legacy %.2f (%s goal <= 0.5), p50 new / legacy %.2f",
        name,
        p99,
        p99 <= 0.5 ? "meets the" : "misses the",
        (double) pct(newer, 0.50) / pct(legacy, 0.50));
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p) - 1)];
  }

  private static final AtomicLong FAILURES_SHOWN = new AtomicLong();

  private static Caller direct(ApiSpec spec, Backend backend, AtomicLong ids) {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    return body -> {
      Prepared p = spec.prepare(json.readTree(body));
      Stamp stamp = new Stamp("hosting-" + ids.incrementAndGet(), Instant.now());
      return switch (backend.call(OP, p, stamp)) {
        case Reply.Ok ok -> ok.bytes().length == 0;
        case Reply.Failed f -> {
          // A failed call is counted; the first few say why.
          if (FAILURES_SHOWN.getAndIncrement() < 5) {
            System.out.printf(
                Locale.ROOT, "  failed call: %s %d %s%n", f.code(), f.httpStatus(), f.message());
          }
          yield true;
        }
      };
    };
  }

  private static Caller overHttp(int port) throws Exception {
    RawHttpClient http = new RawHttpClient("127.0.0.1", port);
    return new Caller() {
      @Override
      public boolean call(byte[] body) throws Exception {
        return http.post("/v1/" + OP, body) != 200;
      }

      @Override
      public void close() throws java.io.IOException {
        http.close();
      }
    };
  }

  private record Measured(long[] latencies, long failed, long elapsedNanos) {}

  /** Closed-loop clients, each reading the slug of a random repl; a warm-up, then a measurement. */
  private static Measured phase(
      CallerFactory callers, DemoWorld world, int clients, Duration warmup, Duration measure)
      throws Exception {
    long[][] latencies = new long[clients][];
    long[] failures = new long[clients];
    CountDownLatch ready = new CountDownLatch(clients);
    CountDownLatch go = new CountDownLatch(1);
    long[] window = new long[2];
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < clients; t++) {
      int client = t;
      threads.add(
          Thread.ofPlatform()
              .name("hosting-client-" + t)
              .start(
                  () -> {
                    SplittableRandom random = new SplittableRandom(1000 + client);
                    long[] lat = new long[1 << 14];
                    int count = 0;
                    long failed = 0;
                    try (Caller caller = callers.open(client)) {
                      ready.countDown();
                      go.await();
                      while (true) {
                        long start = System.nanoTime();
                        if (start >= window[1]) {
                          break;
                        }
                        byte[] body =
                            ("{\"slug\":\"" + DemoWorld.slug(random.nextInt(world.repls)) + "\"}")
                                .getBytes(StandardCharsets.UTF_8);
                        boolean bad = caller.call(body);
                        long took = System.nanoTime() - start;
                        if (start >= window[0]) {
                          if (count == lat.length) {
                            lat = Arrays.copyOf(lat, count * 2);
                          }
                          lat[count++] = took;
                          failed += bad ? 1 : 0;
                        }
                      }
                    } catch (Exception e) {
                      failure.compareAndSet(null, e);
                      ready.countDown();
                    }
                    latencies[client] = Arrays.copyOf(lat, count);
                    failures[client] = failed;
                  }));
    }
    ready.await();
    window[0] = System.nanoTime() + warmup.toNanos();
    window[1] = window[0] + measure.toNanos();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a client failed", failure.get());
    }
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    return new Measured(all, Arrays.stream(failures).sum(), window[1] - window[0]);
  }
}
