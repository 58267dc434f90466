package io.strangler.traffic.demo;

import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.TransferReplRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The demo's sample world, written into both backends through the API with the same calls, so the
 * two stores start equal: regions × clusters, machines spread over the clusters, repls, some of
 * them running, a few with a pending lazy transfer. Deterministic for a seed.
 */
public final class DemoWorld {
  public final Topology topology;
  final int machines;
  public final int repls;
  private final long seed;

  public DemoWorld(int regions, int clustersPerRegion, int machines, int repls, long seed) {
    this.topology = Topology.sample(regions, clustersPerRegion);
    this.machines = machines;
    this.repls = repls;
    this.seed = seed;
  }

  public static String replId(int i) {
    return String.format("repl-%06d", i);
  }

  public static String slug(int i) {
    return String.format("app-%06d", i);
  }

  public static final int CAPACITY = 400;

  public static String address(int m) {
    return "10.20." + (m / 250) + "." + (m % 250);
  }

  public static String machineId(int i) {
    return String.format("machine-%03d", i);
  }

  /** Seeds both planes; {@code progress} hears the count of repls written so far. */
  public void seed(
      ControlPlane legacy, ControlPlane controlPlane, Instant now, IntConsumer progress)
      throws Exception {
    List<ControlPlane> both = List.of(legacy, controlPlane);
    for (ControlPlane p : both) {
      p.applyTopology(topology);
    }
    List<String> clusters =
        topology.regions().values().stream().flatMap(List::stream).sorted().toList();
    List<String> regions = List.copyOf(topology.regions().keySet());
    Random random = new Random(seed);
    for (int m = 0; m < machines; m++) {
      String id = machineId(m);
      RegisterMachineRequest r =
          new RegisterMachineRequest(id, clusters.get(m % clusters.size()), address(m), CAPACITY);
      HeartbeatRequest beat =
          new HeartbeatRequest(id, Math.round(random.nextDouble() * 6000) / 100.0);
      apply(both, p -> p.registerMachine(r, ctx("seed-machine-" + id, now)));
      apply(both, p -> p.heartbeat(beat, ctx("seed-beat-" + id, now)));
    }
    // Creates (and lazy transfers) touch one repl each: they run in parallel. Connects place by the
    // load of the repl's cluster, so within a cluster they run one at a time, in the same order on
    // both stores; otherwise the two stores would place containers differently and the demo would
    // start with mismatches of its own making.
    AtomicInteger done = new AtomicInteger();
    Map<String, List<Integer>> connectsByCluster = new ConcurrentSkipListMap<>();
    runInParallel(
        8,
        "demo-seed-",
        worker -> {
          for (int i = worker; i < repls; i += 8) {
            String cluster = createRepl(both, i, regions, clusters, now);
            if (cluster != null) {
              connectsByCluster.computeIfAbsent(cluster, k -> new CopyOnWriteArrayList<>()).add(i);
            }
            int n = done.incrementAndGet();
            if (n % 500 == 0 || n == repls) {
              progress.accept(n);
            }
          }
        });
    List<List<Integer>> perCluster = new ArrayList<>(connectsByCluster.values());
    runInParallel(
        perCluster.size(),
        "demo-connect-",
        c -> {
          List<Integer> ids = new ArrayList<>(perCluster.get(c));
          Collections.sort(ids);
          for (int i : ids) {
            String id = replId(i);
            apply(
                both,
                p -> p.connectRepl(new ConnectReplRequest(id), ctx("seed-connect-" + id, now)));
          }
        });
  }

  private interface Worker {
    void run(int worker) throws Exception;
  }

  private static void runInParallel(int workers, String name, Worker body) throws Exception {
    if (workers == 0) {
      return;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(workers, Thread.ofPlatform().name(name, 0).factory());
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int worker = w;
        futures.add(
            pool.submit(
                () -> {
                  body.run(worker);
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

  /** What the world holds for repl {@code i}: a function of the seed and the index alone. */
  private record Plan(int owner, int region, int roll, int transferTarget) {
    boolean connected() {
      return roll < 30;
    }

    boolean lazyTransfer() {
      return roll >= 30 && roll < 33;
    }
  }

  private Plan plan(int i) {
    Random r = new Random(seed * 31 + i);
    return new Plan(
        r.nextInt(Math.max(1, repls / 4)),
        r.nextInt(topology.regions().size()),
        r.nextInt(100),
        r.nextInt(clusterCount()));
  }

  private int clusterCount() {
    return topology.regions().values().stream().mapToInt(List::size).sum();
  }

  /** Whether repl {@code i} has a running container once seeded. */
  public boolean running(int i) {
    return plan(i).connected();
  }

  /** Creates repl {@code i} in both stores; returns its cluster when it is to be connected. */
  private String createRepl(
      List<ControlPlane> both, int i, List<String> regions, List<String> clusters, Instant now) {
    Plan plan = plan(i);
    String id = replId(i);
    CreateReplRequest create =
        new CreateReplRequest(id, "owner-" + plan.owner(), slug(i), regions.get(plan.region()));
    String[] cluster = {null};
    apply(
        both,
        p -> {
          Repl repl = p.createRepl(create, ctx("seed-create-" + id, now));
          cluster[0] = repl.cluster();
          return repl;
        });
    if (plan.connected()) {
      return cluster[0];
    }
    if (plan.lazyTransfer()) {
      TransferReplRequest lazy =
          new TransferReplRequest(id, clusters.get(plan.transferTarget()), true);
      apply(both, p -> p.transferRepl(lazy, ctx("seed-transfer-" + id, now)));
    }
    return null;
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
        if (e.code() == io.strangler.api.ErrorCode.UNAVAILABLE
            || e.code() == io.strangler.api.ErrorCode.INTERNAL) {
          throw e;
        }
      }
    }
  }
}
