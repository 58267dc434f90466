package io.strangler.cli;

import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.TransferReplRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The demo's sample world, written into both backends through the API with the same calls, so
 * the two stores start equal: regions × clusters, machines spread over the clusters, repls, some
 * of them running, a few with a pending lazy transfer. Deterministic for a seed.
 */
final class DemoWorld {
  final Topology topology;
  final int machines;
  final int repls;
  final long seed;

  DemoWorld(int regions, int clustersPerRegion, int machines, int repls, long seed) {
    this.topology = Topology.sample(regions, clustersPerRegion);
    this.machines = machines;
    this.repls = repls;
    this.seed = seed;
  }

  static String replId(int i) {
    return String.format("repl-%06d", i);
  }

  static String slug(int i) {
    return String.format("app-%06d", i);
  }

  static String machineId(int i) {
    return String.format("machine-%03d", i);
  }

  /** Seeds both planes; {@code progress} hears the count of repls written so far. */
  void seed(ControlPlane legacy, ControlPlane controlPlane, Instant now, IntConsumer progress) throws Exception {
    List<ControlPlane> both = List.of(legacy, controlPlane);
    for (ControlPlane p : both) {
      p.applyTopology(topology);
    }
    List<String> clusters = topology.regions().values().stream().flatMap(List::stream).sorted().toList();
    List<String> regions = List.copyOf(topology.regions().keySet());
    Random random = new Random(seed);
    for (int m = 0; m < machines; m++) {
      String id = machineId(m);
      RegisterMachineRequest r = new RegisterMachineRequest(id, clusters.get(m % clusters.size()), "10.20." + (m / 250) + "." + (m % 250), 400);
      HeartbeatRequest beat = new HeartbeatRequest(id, Math.round(random.nextDouble() * 6000) / 100.0);
      apply(both, p -> p.registerMachine(r, ctx("seed-machine-" + id, now)));
      apply(both, p -> p.heartbeat(beat, ctx("seed-beat-" + id, now)));
    }
    AtomicInteger done = new AtomicInteger();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("demo-seed-", 0).factory());
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        futures.add(pool.submit(() -> {
          for (int i = first; i < repls; i += threads) {
            seedRepl(both, i, regions, clusters, now);
            int n = done.incrementAndGet();
            if (n % 500 == 0 || n == repls) {
              progress.accept(n);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void seedRepl(List<ControlPlane> both, int i, List<String> regions, List<String> clusters, Instant now) {
    // Per-repl randomness from the seed and the index alone, so the world does not depend on
    // which thread seeded which repl.
    Random r = new Random(seed * 31 + i);
    String id = replId(i);
    CreateReplRequest create = new CreateReplRequest(id, "owner-" + r.nextInt(Math.max(1, repls / 4)), slug(i), regions.get(r.nextInt(regions.size())));
    apply(both, p -> p.createRepl(create, ctx("seed-create-" + id, now)));
    int roll = r.nextInt(100);
    if (roll < 30) {
      apply(both, p -> p.connectRepl(new ConnectReplRequest(id), ctx("seed-connect-" + id, now)));
    } else if (roll < 33) {
      TransferReplRequest lazy = new TransferReplRequest(id, clusters.get(r.nextInt(clusters.size())), true);
      apply(both, p -> p.transferRepl(lazy, ctx("seed-transfer-" + id, now)));
    }
  }

  private static CallContext ctx(String requestId, Instant now) {
    return new CallContext(requestId, now);
  }

  private interface Call {
    Object on(ControlPlane plane);
  }

  /** The same call on both planes; a contract error on both is part of the world, not a failure. */
  private static void apply(List<ControlPlane> planes, Call call) {
    for (ControlPlane p : planes) {
      try {
        call.on(p);
      } catch (ControlPlaneException e) {
        if (e.code() == io.strangler.api.ErrorCode.UNAVAILABLE || e.code() == io.strangler.api.ErrorCode.INTERNAL) {
          throw e;
        }
      }
    }
  }
}
