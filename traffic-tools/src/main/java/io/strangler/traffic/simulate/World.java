package io.strangler.traffic.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.ControlApiJson;
import io.strangler.api.model.Container;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.EntityKeys;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.Request;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.api.placement.HashRing;
import io.strangler.traffic.replay.Answer;
import io.strangler.traffic.replay.ReadyCall;
import io.strangler.traffic.replay.Replayer;
import io.strangler.traffic.replay.TrafficCall;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * The simulated platform, modeled on the one the background posts describe: users in regions (us,
 * eu), repls they create, machines registering and heartbeating, connects to repls chosen by Zipf
 * popularity (a few repls get most of the traffic), containers stopped after a while, the hosting
 * tier's reads, and, partway through, a new region (asia) opened by moving its users' repls there
 * lazily, the way 300,000 users were moved: every repl is marked, and only those connected
 * afterwards move. Later one machine of each us and eu cluster is drained and replaced.
 *
 * <p>It is the source of the calls (one per tick of the rate: logical time is the call's index over
 * the rate) and learns from their answers: which repls exist, which containers run where, which
 * transfers were applied. Thread-safe: answers arrive on the replayer's workers.
 */
public final class World implements Replayer.Source, Replayer.Listener {
  static final Map<String, List<String>> REGIONS =
      Map.of(
          "us",
          List.of("us-1", "us-2"),
          "eu",
          List.of("eu-1", "eu-2"),
          "asia",
          List.of("asia-1", "asia-2"));
  public static final String NEW_REGION = "asia";
  private static final double ZIPF_S = 1.1;
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  /** What a simulated repl is known to be, from the answers. */
  private static final class ReplState {
    final String id;
    final String slug;
    final int user;
    String cluster;
    String running;

    ReplState(String id, String slug, int user, String cluster) {
      this.id = id;
      this.slug = slug;
      this.user = user;
      this.cluster = cluster;
    }
  }

  /** A lazy transfer applied by a connect: the repl moved from one cluster to another. */
  record Moved(String replId, String from, String to) {}

  private record Due(double at, String key) {}

  /**
   * A call decided on, not yet stamped; {@code entity} orders it when its request does not say, and
   * {@code routing} names its repl for a load balancer when neither does (null: the entity).
   */
  private record Planned(String operation, Request request, String entity, String routing) {
    Planned(String operation, Request request, String entity) {
      this(operation, request, entity, null);
    }
  }

  private final SimulationConfig config;
  private final Clock clock;
  private final Random random;
  private final String idPrefix;
  private final String[] userRegion;
  private final boolean[] asiaBound;
  private final ArrayDeque<Planned> setup = new ArrayDeque<>();
  private final ArrayDeque<Planned> urgent = new ArrayDeque<>();
  private final List<ReplState> repls = new ArrayList<>();
  private final Map<String, ReplState> replsById = new HashMap<>();
  private final Map<String, String> containers = new HashMap<>();
  private final Map<String, String> containerMachine = new HashMap<>();
  private final Map<String, Integer> machineLoad = new LinkedHashMap<>();
  private final Map<String, String> machineCluster = new HashMap<>();
  private final PriorityQueue<Due> stops =
      new PriorityQueue<>((a, b) -> Double.compare(a.at, b.at));
  private final PriorityQueue<Due> heartbeats =
      new PriorityQueue<>((a, b) -> Double.compare(a.at, b.at));
  private final Map<String, String> pendingTransfers = new HashMap<>();
  private final Map<String, Moved> moved = new LinkedHashMap<>();
  private long issued;
  private int nextRepl;
  private int nextMachine;
  private boolean transferStarted;
  private boolean drainStarted;
  private long transfersMarked;
  private long placementFailures;
  private long errors;

  public World(SimulationConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.random = new Random(config.seed());
    this.idPrefix = "sim-" + config.seed() + "-";
    this.userRegion = new String[config.users()];
    this.asiaBound = new boolean[config.users()];
    for (int u = 0; u < config.users(); u++) {
      userRegion[u] = random.nextInt(10) < 6 ? "us" : "eu";
      asiaBound[u] = random.nextInt(5) == 0;
    }
    for (String region : List.of("us", "eu")) {
      for (String cluster : REGIONS.get(region)) {
        for (int m = 0; m < config.machinesPerCluster(); m++) {
          setup.add(registerMachine(cluster));
        }
      }
    }
    for (int u = 0; u < config.users(); u++) {
      for (int r = 0; r < config.replsPerUser(); r++) {
        setup.add(createRepl(u));
      }
    }
  }

  /**
   * Regions us and eu with two clusters each, and asia, which has no machines or users until it
   * opens.
   */
  public static Topology topology() {
    return new Topology(REGIONS);
  }

  @Override
  public synchronized ReadyCall next() {
    long n = issued++;
    Planned p = pick(n / config.rate());
    // Stamped as it is decided: in process, this is the time both backends are given.
    return ReadyCall.of(
        new TrafficCall(
            clock.instant(),
            p.operation(),
            idPrefix + n,
            "SHADOW",
            JSON.valueToTree(p.request()),
            null,
            "simulated call " + n,
            p.entity()),
        p.routing());
  }

  private Planned pick(double t) {
    if (!setup.isEmpty()) {
      return setup.poll();
    }
    double seconds = config.duration().toNanos() / 1e9;
    if (!transferStarted && t >= config.transferAt() * seconds) {
      openNewRegion();
    }
    if (!drainStarted && t >= config.drainAt() * seconds) {
      drainAndReplace();
    }
    if (!urgent.isEmpty()) {
      return urgent.poll();
    }
    if (!stops.isEmpty() && stops.peek().at <= t) {
      String containerId = stops.poll().key;
      String replId = containers.get(containerId);
      if (replId != null) {
        // Ordered with its repl's calls: it is the repl whose container stops.
        return new Planned(
            "StopContainer", new StopContainerRequest(containerId), EntityKeys.repl(replId));
      }
    }
    if (!heartbeats.isEmpty() && heartbeats.peek().at <= t) {
      String machineId = heartbeats.poll().key;
      heartbeats.add(new Due(t + config.heartbeatEvery().toNanos() / 1e9, machineId));
      int load = machineLoad.getOrDefault(machineId, 0);
      double cpu =
          Math.min(
              100.0,
              Math.round((100.0 * load / config.capacity() + random.nextDouble() * 5) * 100)
                  / 100.0);
      return call("Heartbeat", new HeartbeatRequest(machineId, cpu));
    }
    if (repls.isEmpty()) {
      return createRepl(random.nextInt(config.users()));
    }
    int roll = random.nextInt(100);
    if (roll < 35) {
      return call("ConnectRepl", new ConnectReplRequest(popular().id));
    } else if (roll < 65) {
      // Keyed by its slug, but about the slug's repl: routed with the repl's other calls.
      ReplState r = popular();
      return new Planned(
          "GetHostingMetadata", new GetHostingMetadataRequest(r.slug), null, EntityKeys.repl(r.id));
    } else if (roll < 75) {
      return call("ResolveCluster", new ResolveClusterRequest(popular().id));
    } else if (roll < 81) {
      return createRepl(random.nextInt(config.users()));
    } else if (roll < 88) {
      return call("GetRepl", new GetReplRequest(popular().id));
    } else if (roll < 93) {
      return call("ListContainers", new ListContainersRequest(popular().id, null));
    } else {
      List<String> clusters = activeClusters();
      return call(
          "ListMachines", new ListMachinesRequest(clusters.get(random.nextInt(clusters.size()))));
    }
  }

  /**
   * A repl by Zipf popularity: rank r with probability proportional to 1/r^s over the repls known,
   * the earliest created the most popular.
   */
  private ReplState popular() {
    int n = repls.size();
    // Inverse of the continuous approximation of the Zipf CDF, exact enough for a workload.
    double u = random.nextDouble();
    double rank;
    double a = 1 - ZIPF_S;
    rank = Math.pow(u * (Math.pow(n + 1, a) - 1) + 1, 1 / a);
    int index = (int) Math.min(n - 1, Math.max(0, Math.floor(rank) - 1));
    return repls.get(index);
  }

  private List<String> activeClusters() {
    List<String> out = new ArrayList<>(REGIONS.get("us"));
    out.addAll(REGIONS.get("eu"));
    if (transferStarted) {
      out.addAll(REGIONS.get(NEW_REGION));
    }
    return out;
  }

  /**
   * The new region opens: its machines register, then every repl of its users is marked to move.
   */
  private void openNewRegion() {
    transferStarted = true;
    for (String cluster : REGIONS.get(NEW_REGION)) {
      for (int m = 0; m < config.machinesPerCluster(); m++) {
        urgent.add(registerMachine(cluster));
      }
    }
    HashRing ring = new HashRing(REGIONS.get(NEW_REGION));
    for (ReplState r : repls) {
      if (asiaBound[r.user]) {
        urgent.add(
            call("TransferRepl", new TransferReplRequest(r.id, ring.clusterFor(r.id), true)));
        transfersMarked++;
      }
    }
    for (int u = 0; u < config.users(); u++) {
      if (asiaBound[u]) {
        userRegion[u] = NEW_REGION;
      }
    }
  }

  /**
   * Rolling maintenance: the first machine of each us and eu cluster drains; a new one replaces it.
   */
  private void drainAndReplace() {
    drainStarted = true;
    for (String region : List.of("us", "eu")) {
      for (String cluster : REGIONS.get(region)) {
        machineCluster.entrySet().stream()
            .filter(e -> e.getValue().equals(cluster))
            .map(Map.Entry::getKey)
            .sorted()
            .findFirst()
            .ifPresent(
                m -> {
                  urgent.add(call("DrainMachine", new DrainMachineRequest(m)));
                  urgent.add(registerMachine(cluster));
                });
      }
    }
  }

  private Planned createRepl(int user) {
    int n = nextRepl++;
    return call(
        "CreateRepl", new CreateReplRequest("r-" + n, "u-" + user, "app-" + n, userRegion[user]));
  }

  private Planned registerMachine(String cluster) {
    int n = nextMachine++;
    String id = "m-" + cluster + "-" + n;
    return call(
        "RegisterMachine",
        new RegisterMachineRequest(
            id,
            cluster,
            "10." + (n / 65536 % 256) + "." + (n / 256 % 256) + "." + (n % 256),
            config.capacity()));
  }

  private static Planned call(String operation, Request request) {
    return new Planned(operation, request, null);
  }

  @Override
  public synchronized void done(Replayer.Sent sent) {
    TrafficCall call = sent.call().call();
    double t = sent.dueNanos() / 1e9;
    if (!(sent.result().answer() instanceof Answer.Ok ok)) {
      Answer.Failed f = (Answer.Failed) sent.result().answer();
      if (call.operation().equals("ConnectRepl") && f.code().equals("FAILED_PRECONDITION")) {
        placementFailures++;
      } else {
        errors++;
      }
      return;
    }
    try {
      switch (call.operation()) {
        case "CreateRepl" -> {
          Repl r = JSON.treeToValue(ok.body(), Repl.class);
          ReplState s =
              new ReplState(
                  r.replId(), r.slug(), Integer.parseInt(r.ownerId().substring(2)), r.cluster());
          repls.add(s);
          replsById.put(s.id, s);
        }
        case "RegisterMachine" -> {
          String id = ok.body().path("machineId").asText();
          if (machineCluster.put(id, ok.body().path("cluster").asText()) == null) {
            machineLoad.put(id, 0);
            heartbeats.add(
                new Due(t + random.nextDouble() * config.heartbeatEvery().toNanos() / 1e9, id));
          }
        }
        case "DrainMachine" -> machineCluster.remove(ok.body().path("machineId").asText());
        case "TransferRepl" -> {
          JsonNode target = ok.body().path("pendingTransferTo");
          if (!target.isNull() && !target.isMissingNode()) {
            pendingTransfers.put(ok.body().path("replId").asText(), target.asText());
          }
        }
        case "ConnectRepl" -> connected(JSON.treeToValue(ok.body(), ConnectReplResponse.class), t);
        case "StopContainer" -> {
          Container c = JSON.treeToValue(ok.body(), Container.class);
          stopped(c.containerId());
        }
        default -> {}
      }
    } catch (JsonProcessingException e) {
      errors++;
    }
  }

  private void connected(ConnectReplResponse r, double t) {
    Container c = r.container();
    ReplState repl = replsById.get(c.replId());
    if (repl == null) {
      return;
    }
    if (r.transferred()) {
      moved.put(repl.id, new Moved(repl.id, repl.cluster, c.cluster()));
      pendingTransfers.remove(repl.id);
    }
    repl.cluster = c.cluster();
    if (r.created()) {
      repl.running = c.containerId();
      containers.put(c.containerId(), repl.id);
      containerMachine.put(c.containerId(), c.machineId());
      machineLoad.merge(c.machineId(), 1, Integer::sum);
      double lifetime = -Math.log(1 - random.nextDouble()) * config.meanLifetime().toNanos() / 1e9;
      stops.add(new Due(t + lifetime, c.containerId()));
    }
  }

  private void stopped(String containerId) {
    String replId = containers.remove(containerId);
    String machine = containerMachine.remove(containerId);
    if (machine != null) {
      machineLoad.merge(machine, -1, Integer::sum);
    }
    ReplState repl = replId == null ? null : replsById.get(replId);
    if (repl != null && containerId.equals(repl.running)) {
      repl.running = null;
    }
  }

  /** Transfers applied by a connect, in the order they were seen. */
  public synchronized List<Moved> moved() {
    return List.copyOf(moved.values());
  }

  public synchronized long transfersMarked() {
    return transfersMarked;
  }

  public synchronized int transfersPending() {
    return pendingTransfers.size();
  }

  public synchronized long placementFailures() {
    return placementFailures;
  }

  public synchronized long errors() {
    return errors;
  }

  public synchronized int replsKnown() {
    return repls.size();
  }

  public synchronized int containersRunning() {
    return containers.size();
  }

  public synchronized boolean newRegionOpened() {
    return transferStarted;
  }
}
