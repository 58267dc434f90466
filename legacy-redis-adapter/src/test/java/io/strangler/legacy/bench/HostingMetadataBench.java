package io.strangler.legacy.bench;

import io.strangler.api.CallContext;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.Servers;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * The hot read, GetHostingMetadata, against the floor of one Redis round trip (a pooled GET) and
 * GetRepl (one HGETALL), in one run, with ratios. Uses the Redis of {@code STRANGLER_REDIS_URL}
 * (logical db 15, flushed) or an embedded one. Run: {@code mvn -pl legacy-redis-adapter
 * test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.strangler.legacy.bench.HostingMetadataBench}.
 */
public final class HostingMetadataBench {
  private static final int REPLS = 2_000;
  private static final int THREADS = 16;
  private static final int WARMUP_OPS = 40_000;
  private static final int MEASURED_OPS = 200_000;

  private HostingMetadataBench() {}

  public static void main(String[] args) throws Exception {
    RedisEndpoint endpoint = Servers.redis();
    String uri = endpoint.uri(15);
    try (Jedis j = new Jedis(endpoint.host(), endpoint.port())) {
      j.select(15);
      j.flushDB();
    }
    try (LegacyRedisControlPlane plane = LegacyRedisControlPlane.create(uri, 64);
        JedisPool raw = new JedisPool(URI.create(uri))) {
      seed(plane);
      CallContext ctx = new CallContext("bench", Instant.now());
      IntConsumer floor =
          i -> {
            try (Jedis j = raw.getResource()) {
              j.get("slug:s-" + (i % REPLS));
            }
          };
      IntConsumer getRepl = i -> plane.getRepl(new GetReplRequest("r-" + (i % REPLS)), ctx);
      IntConsumer hosting =
          i -> plane.getHostingMetadata(new GetHostingMetadataRequest("s-" + (i % REPLS)), ctx);

      ExecutorService pool = Executors.newFixedThreadPool(THREADS, namedThreads());
      try {
        for (int round = 0; round < 2; round++) {
          run(pool, floor, WARMUP_OPS);
          run(pool, getRepl, WARMUP_OPS);
          run(pool, hosting, WARMUP_OPS);
        }
        double f = run(pool, floor, MEASURED_OPS);
        double g = run(pool, getRepl, MEASURED_OPS);
        double h = run(pool, hosting, MEASURED_OPS);
        System.out.printf(
            "%d threads, %d calls per line; half the repls RUNNING (4 round trips), half COLD (2)%n",
            THREADS, MEASURED_OPS);
        System.out.printf("  raw pooled GET      %,10.0f ops/s  (1.00x)%n", f);
        System.out.printf("  GetRepl             %,10.0f ops/s  (%.2fx of raw GET)%n", g, g / f);
        System.out.printf("  GetHostingMetadata  %,10.0f ops/s  (%.2fx of raw GET)%n", h, h / f);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void seed(LegacyRedisControlPlane plane) {
    AtomicInteger seq = new AtomicInteger();
    Instant now = Instant.now();
    plane.applyTopology(new Topology(Map.of("us", List.of("us-1"))));
    for (int m = 0; m < 50; m++) {
      plane.registerMachine(
          new RegisterMachineRequest("m-" + m, "us-1", "10.0.0." + m, 1000),
          new CallContext("seed-" + seq.incrementAndGet(), now));
    }
    for (int i = 0; i < REPLS; i++) {
      plane.createRepl(
          new CreateReplRequest("r-" + i, "o", "s-" + i, "us"),
          new CallContext("seed-" + seq.incrementAndGet(), now));
      if (i % 2 == 0) {
        plane.connectRepl(
            new ConnectReplRequest("r-" + i),
            new CallContext("seed-" + seq.incrementAndGet(), now));
      }
    }
  }

  /** Runs {@code ops} calls spread over the pool's threads; answers calls per second. */
  private static double run(ExecutorService pool, IntConsumer call, int ops) throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < THREADS; t++) {
      workers.add(
          pool.submit(
              () -> {
                for (int i = next.getAndIncrement(); i < ops; i = next.getAndIncrement()) {
                  call.accept(i);
                }
              }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    return ops / ((System.nanoTime() - start) / 1e9);
  }

  private static ThreadFactory namedThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> new Thread(r, "bench-caller-" + n.incrementAndGet());
  }
}
