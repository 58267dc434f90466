package io.strangler.legacy;

import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.Errors;
import io.strangler.api.Ids;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.HostingState;
import io.strangler.api.model.Machine;
import io.strangler.api.model.MachineState;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Tombstone;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.ContainerPlacement;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListContainersResponse;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.ListMachinesResponse;
import io.strangler.api.ops.PlacementUse;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.ResolveClusterResponse;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.api.placement.HashRing;
import io.strangler.api.placement.Placement;
import io.strangler.legacy.LegacyKeys.Field;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The control API v1 over Redis, the way the legacy system ran it: the key layout of
 * docs/legacy-redis-layout.md and, per call, plain reads then writes over several round trips, with
 * no MULTI, WATCH or Lua. Independent reads of one call share a pipeline; nothing ties a read to
 * the write that depends on it, so the legacy races (two RUNNING containers for one repl, one slug
 * taken twice, a machine over capacity) are kept on purpose: they are what the migration removes,
 * and what the diff reporter must be able to see.
 *
 * <p>Thread-safe: every call borrows one connection from a pool for its duration.
 */
public final class LegacyRedisControlPlane implements ControlPlane {
  static final String NAME = "legacy";

  /** Pool size when built from a URI: the proxy runs ~64 concurrent callers per backend. */
  public static final int DEFAULT_MAX_CONNECTIONS = 128;

  private static final Duration LAZY_TRANSFER_TOMBSTONE_TTL =
      Duration.ofSeconds(TransferReplRequest.DEFAULT_TOMBSTONE_TTL_SECONDS);
  private static final int SCAN_BATCH = 500;

  /**
   * Called by ConnectRepl after it has read {@code repl:{id}:current} and found no running
   * container, before it places and writes one: lets a test hold concurrent calls inside the race
   * window.
   */
  interface RaceHook {
    RaceHook NONE = replId -> {};

    void afterCurrentContainerRead(String replId);
  }

  private final JedisPool pool;
  private final boolean ownsPool;
  private final RaceHook raceHook;

  /** One ring per region, keyed by the cluster set it was built from. */
  private final ConcurrentMap<String, Ring> rings = new ConcurrentHashMap<>();

  /** Uses {@code pool}, which the caller keeps and closes. */
  public LegacyRedisControlPlane(JedisPool pool) {
    this(pool, false, RaceHook.NONE);
  }

  LegacyRedisControlPlane(JedisPool pool, boolean ownsPool, RaceHook raceHook) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.ownsPool = ownsPool;
    this.raceHook = Objects.requireNonNull(raceHook, "raceHook");
  }

  /** A plane over the logical database named by {@code redis://host:port/db}; closes its pool. */
  public static LegacyRedisControlPlane create(String redisUri) {
    return create(redisUri, DEFAULT_MAX_CONNECTIONS);
  }

  public static LegacyRedisControlPlane create(String redisUri, int maxConnections) {
    return create(redisUri, RedisPoolSettings.of(maxConnections));
  }

  /** A plane whose pool and timeouts are {@code settings}; closes its pool. */
  public static LegacyRedisControlPlane create(String redisUri, RedisPoolSettings settings) {
    return new LegacyRedisControlPlane(newPool(redisUri, settings), true, RaceHook.NONE);
  }

  static JedisPool newPool(String redisUri, int maxConnections) {
    return newPool(redisUri, RedisPoolSettings.of(maxConnections));
  }

  static JedisPool newPool(String redisUri, RedisPoolSettings settings) {
    Objects.requireNonNull(settings, "settings");
    URI uri = parseUri(redisUri);
    JedisPoolConfig config = new JedisPoolConfig();
    config.setMaxTotal(settings.maxConnections());
    config.setMaxIdle(settings.maxConnections());
    config.setMinIdle(0);
    // Finite: with every connection in use, a call waits this long and is then UNAVAILABLE.
    config.setMaxWait(settings.maxWait());
    config.setJmxEnabled(false);
    return new JedisPool(
        config,
        uri,
        Math.toIntExact(settings.connectTimeout().toMillis()),
        Math.toIntExact(settings.socketTimeout().toMillis()));
  }

  private static URI parseUri(String redisUri) {
    Objects.requireNonNull(redisUri, "redisUri");
    URI uri;
    try {
      uri = URI.create(redisUri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "expected a Redis URI like redis://127.0.0.1:6379/1, got '" + redisUri + "'", e);
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (!"redis".equals(uri.getScheme())
        || uri.getHost() == null
        || !(path.isEmpty() || path.matches("/\\d{0,2}"))) {
      throw new IllegalArgumentException(
          "expected a Redis URI like redis://127.0.0.1:6379/1 (the path is the logical database),"
              + " got '"
              + redisUri
              + "'");
    }
    return uri;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void close() {
    if (ownsPool) {
      pool.close();
    }
  }

  // ---------------------------------------------------------------- topology

  @Override
  public void applyTopology(Topology topology) {
    Objects.requireNonNull(topology, "topology");
    withRedis(
        j -> {
          Set<String> old = j.smembers(LegacyKeys.REGIONS);
          try (Pipeline p = j.pipelined()) {
            for (String region : old) {
              p.del(LegacyKeys.region(region));
            }
            p.del(LegacyKeys.REGIONS);
            topology
                .regions()
                .forEach(
                    (region, clusters) -> {
                      p.sadd(LegacyKeys.REGIONS, region);
                      p.sadd(LegacyKeys.region(region), clusters.toArray(String[]::new));
                    });
            sync(p);
          }
          return null;
        });
    rings.clear();
  }

  @Override
  public Topology topology() {
    return withRedis(LegacyRedisControlPlane::readTopology);
  }

  @Override
  public void ping() {
    withRedis(Jedis::ping);
  }

  private static Topology readTopology(Jedis j) {
    Set<String> regions = j.smembers(LegacyKeys.REGIONS);
    Map<String, Response<Set<String>>> replies = new TreeMap<>();
    try (Pipeline p = j.pipelined()) {
      for (String region : regions) {
        replies.put(region, p.smembers(LegacyKeys.region(region)));
      }
      p.sync();
    }
    Map<String, List<String>> m = new TreeMap<>();
    replies.forEach(
        (region, clusters) -> {
          // A region without its cluster set is half-written topology: not a region yet.
          if (!clusters.get().isEmpty()) {
            m.put(region, List.copyOf(clusters.get()));
          }
        });
    return new Topology(m);
  }

  private static String regionOfCluster(Jedis j, String cluster) {
    return readTopology(j).regionOf(cluster).orElseThrow(() -> Errors.unknownCluster(cluster));
  }

  private HashRing ringFor(String region, Set<String> clusters) {
    Ring ring = rings.get(region);
    if (ring == null || !ring.clusters().equals(clusters)) {
      ring = new Ring(Set.copyOf(clusters), new HashRing(clusters));
      rings.put(region, ring);
    }
    return ring.ring();
  }

  private record Ring(Set<String> clusters, HashRing ring) {}

  // ---------------------------------------------------------------- repls

  @Override
  public Repl createRepl(CreateReplRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          Response<Set<String>> clusters;
          Response<Boolean> replExists;
          Response<String> slugOwner;
          try (Pipeline p = j.pipelined()) {
            clusters = p.smembers(LegacyKeys.region(request.region()));
            replExists = p.exists(LegacyKeys.repl(request.replId()));
            slugOwner = p.get(LegacyKeys.slug(request.slug()));
            p.sync();
          }
          if (clusters.get().isEmpty()) {
            throw Errors.unknownRegion(request.region());
          }
          if (replExists.get()) {
            throw Errors.replExists(request.replId());
          }
          if (slugOwner.get() != null) {
            throw Errors.slugTaken(request.slug());
          }
          String cluster = ringFor(request.region(), clusters.get()).clusterFor(request.replId());
          Repl repl =
              new Repl(
                  request.replId(),
                  request.ownerId(),
                  request.slug(),
                  request.region(),
                  cluster,
                  null,
                  ctx.now());
          try (Pipeline p = j.pipelined()) {
            p.hset(LegacyKeys.repl(repl.replId()), LegacyCodec.replHash(repl));
            p.set(LegacyKeys.slug(repl.slug()), repl.replId());
            sync(p);
          }
          return repl;
        });
  }

  @Override
  public Repl getRepl(GetReplRequest request, CallContext ctx) {
    request.validate();
    return withRedis(j -> readRepl(j, request.replId()));
  }

  private static Repl readRepl(Jedis j, String replId) {
    return decodeRepl(j.hgetAll(LegacyKeys.repl(replId)), replId);
  }

  private static Repl decodeRepl(Map<String, String> hash, String replId) {
    if (hash.isEmpty()) {
      throw Errors.replNotFound(replId);
    }
    return LegacyCodec.repl(hash);
  }

  @Override
  public Repl transferRepl(TransferReplRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          String target = request.targetCluster();
          String targetRegion = regionOfCluster(j, target);
          String replKey = LegacyKeys.repl(request.replId());
          Response<Map<String, String>> replHash;
          Response<String> currentId;
          try (Pipeline p = j.pipelined()) {
            replHash = p.hgetAll(replKey);
            currentId = p.get(LegacyKeys.replCurrent(request.replId()));
            p.sync();
          }
          Repl repl = decodeRepl(replHash.get(), request.replId());

          if (target.equals(repl.cluster())) {
            if (repl.pendingTransferTo() != null) {
              j.hdel(replKey, Field.PENDING_TRANSFER_TO);
            }
            return repl.withPendingTransferTo(null);
          }
          if (request.isLazy()) {
            j.hset(replKey, Field.PENDING_TRANSFER_TO, target);
            return repl.withPendingTransferTo(target);
          }

          Container running = runningContainer(j, currentId.get());
          Instant now = ctx.now();
          Tombstone tombstone =
              new Tombstone(
                  repl.replId(), repl.cluster(), target, now, now.plus(request.tombstoneTtl()));
          try (Pipeline p = j.pipelined()) {
            if (running != null) {
              stop(p, running, now, true);
            }
            p.hset(replKey, Map.of(Field.REGION, targetRegion, Field.CLUSTER, target));
            p.hdel(replKey, Field.PENDING_TRANSFER_TO);
            writeTombstone(p, tombstone);
            sync(p);
          }
          return repl.withCluster(targetRegion, target);
        });
  }

  @Override
  public ResolveClusterResponse resolveCluster(ResolveClusterRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          Response<Map<String, String>> replHash;
          Response<Map<String, String>> tombstoneHash;
          try (Pipeline p = j.pipelined()) {
            replHash = p.hgetAll(LegacyKeys.repl(request.replId()));
            tombstoneHash = p.hgetAll(LegacyKeys.tombstone(request.replId()));
            p.sync();
          }
          Repl repl = decodeRepl(replHash.get(), request.replId());
          Tombstone tombstone = null;
          if (!tombstoneHash.get().isEmpty()) {
            Tombstone t = LegacyCodec.tombstone(tombstoneHash.get());
            // Redis expires the key on its own clock; the answer follows the call's clock.
            if (t.liveAt(ctx.now())) {
              tombstone = t;
            }
          }
          return new ResolveClusterResponse(repl.cluster(), tombstone);
        });
  }

  @Override
  public HostingMetadata getHostingMetadata(GetHostingMetadataRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          String replId = j.get(LegacyKeys.slug(request.slug()));
          if (replId == null) {
            throw Errors.slugNotFound(request.slug());
          }
          Response<String> cluster;
          Response<String> currentId;
          try (Pipeline p = j.pipelined()) {
            cluster = p.hget(LegacyKeys.repl(replId), Field.CLUSTER);
            currentId = p.get(LegacyKeys.replCurrent(replId));
            p.sync();
          }
          if (cluster.get() == null) {
            // The slug outlived its repl: no repl has it.
            throw Errors.slugNotFound(request.slug());
          }
          if (currentId.get() != null) {
            List<String> c =
                j.hmget(LegacyKeys.container(currentId.get()), Field.STATE, Field.MACHINE_ID);
            if (ContainerState.RUNNING.name().equals(c.get(0)) && c.get(1) != null) {
              String address = j.hget(LegacyKeys.machine(c.get(1)), Field.ADDRESS);
              return new HostingMetadata(
                  replId, cluster.get(), HostingState.RUNNING, currentId.get(), address);
            }
          }
          return new HostingMetadata(replId, cluster.get(), HostingState.COLD, null, null);
        });
  }

  // ---------------------------------------------------------------- machines

  @Override
  public Machine registerMachine(RegisterMachineRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          regionOfCluster(j, request.cluster());
          String key = LegacyKeys.machine(request.machineId());
          MachineRead read = readMachine(j, request.machineId());
          if (read.hash().isEmpty()) {
            Machine m =
                new Machine(
                    request.machineId(),
                    request.cluster(),
                    request.address(),
                    request.capacity(),
                    MachineState.ACTIVE,
                    0.0,
                    Math.toIntExact(read.running()),
                    ctx.now(),
                    ctx.now());
            try (Pipeline p = j.pipelined()) {
              p.hset(key, LegacyCodec.machineHash(m));
              p.sadd(LegacyKeys.clusterMachines(m.cluster()), m.machineId());
              sync(p);
            }
            return m;
          }
          String registeredIn = read.hash().get(Field.CLUSTER);
          if (!request.cluster().equals(registeredIn)) {
            throw Errors.machineInOtherCluster(request.machineId(), registeredIn);
          }
          Map<String, String> changes =
              Map.of(
                  Field.ADDRESS, request.address(),
                  Field.CAPACITY, Integer.toString(request.capacity()));
          j.hset(key, changes);
          return read.updated(changes);
        });
  }

  @Override
  public Machine heartbeat(HeartbeatRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          MachineRead read = existingMachine(j, request.machineId());
          Map<String, String> changes =
              Map.of(
                  Field.CPU_PERCENT, Double.toString(request.cpuPercent()),
                  Field.LAST_HEARTBEAT_AT, LegacyCodec.time(ctx.now()));
          j.hset(LegacyKeys.machine(request.machineId()), changes);
          return read.updated(changes);
        });
  }

  @Override
  public Machine drainMachine(DrainMachineRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          MachineRead read = existingMachine(j, request.machineId());
          Map<String, String> changes = Map.of(Field.STATE, MachineState.DRAINING.name());
          if (!MachineState.DRAINING.name().equals(read.hash().get(Field.STATE))) {
            j.hset(LegacyKeys.machine(request.machineId()), changes);
          }
          return read.updated(changes);
        });
  }

  @Override
  public ListMachinesResponse listMachines(ListMachinesRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          regionOfCluster(j, request.cluster());
          List<Machine> machines =
              readMachines(j, j.smembers(LegacyKeys.clusterMachines(request.cluster())));
          machines.sort(Comparator.comparing(Machine::machineId));
          return new ListMachinesResponse(List.copyOf(machines));
        });
  }

  /** A machine's hash and the size of its running set, read in one round trip. */
  private record MachineRead(Map<String, String> hash, long running) {
    Machine updated(Map<String, String> changes) {
      Map<String, String> h = new HashMap<>(hash);
      h.putAll(changes);
      return LegacyCodec.machine(h, running);
    }
  }

  private static MachineRead readMachine(Jedis j, String machineId) {
    Response<Map<String, String>> hash;
    Response<Long> running;
    try (Pipeline p = j.pipelined()) {
      hash = p.hgetAll(LegacyKeys.machine(machineId));
      running = p.scard(LegacyKeys.machineRunning(machineId));
      p.sync();
    }
    return new MachineRead(hash.get(), running.get());
  }

  private static MachineRead existingMachine(Jedis j, String machineId) {
    MachineRead read = readMachine(j, machineId);
    if (read.hash().isEmpty()) {
      throw Errors.machineNotFound(machineId);
    }
    return read;
  }

  /** The named machines that exist, in one round trip; order unspecified. */
  private static List<Machine> readMachines(Jedis j, Set<String> machineIds) {
    List<Response<Map<String, String>>> hashes = new ArrayList<>(machineIds.size());
    List<Response<Long>> running = new ArrayList<>(machineIds.size());
    try (Pipeline p = j.pipelined()) {
      for (String id : machineIds) {
        hashes.add(p.hgetAll(LegacyKeys.machine(id)));
        running.add(p.scard(LegacyKeys.machineRunning(id)));
      }
      p.sync();
    }
    List<Machine> machines = new ArrayList<>(machineIds.size());
    for (int i = 0; i < hashes.size(); i++) {
      Map<String, String> h = hashes.get(i).get();
      if (!h.isEmpty()) {
        machines.add(LegacyCodec.machine(h, running.get(i).get()));
      }
    }
    return machines;
  }

  // ---------------------------------------------------------------- containers

  @Override
  public ConnectReplResponse connectRepl(ConnectReplRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          String replId = request.replId();
          Response<Map<String, String>> replHash;
          Response<String> currentId;
          try (Pipeline p = j.pipelined()) {
            replHash = p.hgetAll(LegacyKeys.repl(replId));
            currentId = p.get(LegacyKeys.replCurrent(replId));
            p.sync();
          }
          Repl repl = decodeRepl(replHash.get(), replId);
          Container running = runningContainer(j, currentId.get());
          if (running != null) {
            return new ConnectReplResponse(running, false, false);
          }
          // The legacy race window: nothing stops another call from reading "no container" too
          // between here and the writes below.
          raceHook.afterCurrentContainerRead(replId);

          String pending = repl.pendingTransferTo();
          boolean transfer = pending != null && !pending.equals(repl.cluster());
          String cluster = transfer ? pending : repl.cluster();
          String region = transfer ? regionOfCluster(j, cluster) : repl.region();

          ContainerPlacement given = request.placement();
          String containerId =
              given != null && given.containerId() != null
                  ? given.containerId()
                  : Ids.containerId(ctx.requestId());
          Response<Set<String>> machineIds;
          Response<Boolean> idTaken;
          try (Pipeline p = j.pipelined()) {
            machineIds = p.smembers(LegacyKeys.clusterMachines(cluster));
            idTaken = p.exists(LegacyKeys.container(containerId));
            p.sync();
          }
          List<Machine> machines = readMachines(j, machineIds.get());
          Machine own = Placement.choose(replId, machines).orElse(null);
          // A placement decided elsewhere is applied when the machine is one of this cluster's
          // here; capacity and state are not checked again (that backend decided with its view).
          Machine placed =
              given == null
                  ? null
                  : machines.stream()
                      .filter(m -> m.machineId().equals(given.machineId()))
                      .findFirst()
                      .orElse(null);
          Machine machine = placed != null ? placed : own;
          if (machine == null) {
            throw Errors.noCapacity(replId, cluster);
          }
          PlacementUse use =
              given == null
                  ? null
                  : new PlacementUse(placed != null, own == null ? null : own.machineId());
          if (idTaken.get()) {
            throw Errors.containerExists(containerId);
          }

          Instant now = ctx.now();
          long startedAt = now.toEpochMilli();
          Container container =
              new Container(
                  containerId,
                  replId,
                  machine.machineId(),
                  cluster,
                  ContainerState.RUNNING,
                  now,
                  null);
          try (Pipeline p = j.pipelined()) {
            p.hset(LegacyKeys.container(containerId), LegacyCodec.containerHash(container));
            p.zadd(LegacyKeys.replContainers(replId), startedAt, containerId);
            p.zadd(LegacyKeys.machineContainers(machine.machineId()), startedAt, containerId);
            p.sadd(LegacyKeys.machineRunning(machine.machineId()), containerId);
            p.set(LegacyKeys.replCurrent(replId), containerId);
            if (transfer) {
              String replKey = LegacyKeys.repl(replId);
              p.hset(replKey, Map.of(Field.REGION, region, Field.CLUSTER, cluster));
              p.hdel(replKey, Field.PENDING_TRANSFER_TO);
              writeTombstone(
                  p,
                  new Tombstone(
                      replId, repl.cluster(), cluster, now, now.plus(LAZY_TRANSFER_TOMBSTONE_TTL)));
            }
            sync(p);
          }
          return new ConnectReplResponse(container, true, transfer, use);
        });
  }

  @Override
  public Container stopContainer(StopContainerRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          Map<String, String> hash = j.hgetAll(LegacyKeys.container(request.containerId()));
          if (hash.isEmpty()) {
            throw Errors.containerNotFound(request.containerId());
          }
          Container container = LegacyCodec.container(hash);
          if (container.state() == ContainerState.STOPPED) {
            return container;
          }
          String currentId = j.get(LegacyKeys.replCurrent(container.replId()));
          try (Pipeline p = j.pipelined()) {
            stop(p, container, ctx.now(), container.containerId().equals(currentId));
            sync(p);
          }
          return container.stopped(ctx.now());
        });
  }

  @Override
  public ListContainersResponse listContainers(ListContainersRequest request, CallContext ctx) {
    request.validate();
    return withRedis(
        j -> {
          boolean byRepl = request.replId() != null;
          Response<Boolean> exists;
          Response<List<String>> ids;
          try (Pipeline p = j.pipelined()) {
            if (byRepl) {
              exists = p.exists(LegacyKeys.repl(request.replId()));
              ids = p.zrange(LegacyKeys.replContainers(request.replId()), 0, -1);
            } else {
              exists = p.exists(LegacyKeys.machine(request.machineId()));
              ids = p.zrange(LegacyKeys.machineContainers(request.machineId()), 0, -1);
            }
            p.sync();
          }
          if (!exists.get()) {
            throw byRepl
                ? Errors.replNotFound(request.replId())
                : Errors.machineNotFound(request.machineId());
          }
          // ZRANGE already gives the contract's order: startedAt, then containerId.
          List<Response<Map<String, String>>> hashes = new ArrayList<>(ids.get().size());
          try (Pipeline p = j.pipelined()) {
            for (String id : ids.get()) {
              hashes.add(p.hgetAll(LegacyKeys.container(id)));
            }
            p.sync();
          }
          List<Container> containers = new ArrayList<>(hashes.size());
          for (Response<Map<String, String>> h : hashes) {
            if (!h.get().isEmpty()) {
              containers.add(LegacyCodec.container(h.get()));
            }
          }
          return new ListContainersResponse(List.copyOf(containers));
        });
  }

  /** The container {@code currentId} names if it exists and runs, else null. */
  private static Container runningContainer(Jedis j, String currentId) {
    if (currentId == null) {
      return null;
    }
    Map<String, String> hash = j.hgetAll(LegacyKeys.container(currentId));
    if (hash.isEmpty()) {
      return null;
    }
    Container c = LegacyCodec.container(hash);
    return c.state() == ContainerState.RUNNING ? c : null;
  }

  private static void stop(Pipeline p, Container c, Instant now, boolean clearCurrent) {
    p.hset(
        LegacyKeys.container(c.containerId()),
        Map.of(
            Field.STATE, ContainerState.STOPPED.name(), Field.STOPPED_AT, LegacyCodec.time(now)));
    p.srem(LegacyKeys.machineRunning(c.machineId()), c.containerId());
    if (clearCurrent) {
      p.del(LegacyKeys.replCurrent(c.replId()));
    }
  }

  private static void writeTombstone(Pipeline p, Tombstone t) {
    String key = LegacyKeys.tombstone(t.replId());
    p.hset(key, LegacyCodec.tombstoneHash(t));
    p.pexpireAt(key, t.expiresAt().toEpochMilli());
  }

  // ---------------------------------------------------------------- audit

  /**
   * How many repls have more than one RUNNING container: the legacy race's damage, which the
   * contract's invariant forbids. Scans every {@code repl:*:containers} key; not for the request
   * path.
   */
  public long countReplsWithMultipleRunningContainers() {
    return withRedis(
        j -> {
          ScanParams params =
              new ScanParams().match(LegacyKeys.REPL_CONTAINERS_PATTERN).count(SCAN_BATCH);
          Set<String> seen = new HashSet<>();
          long count = 0;
          String cursor = ScanParams.SCAN_POINTER_START;
          do {
            // TYPE zset: a repl hash whose id ends in ":containers" matches the pattern too.
            ScanResult<String> page = j.scan(cursor, params, "zset");
            cursor = page.getCursor();
            List<String> keys = new ArrayList<>();
            for (String key : page.getResult()) {
              if (seen.add(key)) {
                keys.add(key);
              }
            }
            count += countMultipleRunning(j, keys);
          } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
          return count;
        });
  }

  private static long countMultipleRunning(Jedis j, List<String> containerSetKeys) {
    List<Response<List<String>>> members = new ArrayList<>(containerSetKeys.size());
    try (Pipeline p = j.pipelined()) {
      for (String key : containerSetKeys) {
        members.add(p.zrange(key, 0, -1));
      }
      p.sync();
    }
    List<List<Response<String>>> states = new ArrayList<>(members.size());
    try (Pipeline p = j.pipelined()) {
      for (Response<List<String>> ids : members) {
        List<Response<String>> s = new ArrayList<>(ids.get().size());
        for (String id : ids.get()) {
          s.add(p.hget(LegacyKeys.container(id), Field.STATE));
        }
        states.add(s);
      }
      p.sync();
    }
    long count = 0;
    for (List<Response<String>> s : states) {
      long running = s.stream().filter(r -> ContainerState.RUNNING.name().equals(r.get())).count();
      if (running > 1) {
        count++;
      }
    }
    return count;
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Runs one call on one pooled connection, turning store failures into the contract's errors (see
   * {@link RedisErrors}): a store that cannot serve the call now is UNAVAILABLE, anything else
   * unexpected INTERNAL.
   */
  private <T> T withRedis(Function<Jedis, T> call) {
    try (Jedis j = pool.getResource()) {
      return call.apply(j);
    } catch (RuntimeException e) {
      throw RedisErrors.translate(NAME, e, pool);
    }
  }

  /**
   * Sends a pipeline and fails on its first error reply. {@link Pipeline#sync()} leaves error
   * replies in Responses, and nobody reads a write's Response, so a write the server refused
   * (READONLY on a demoted primary, OOM, MISCONF) would pass as done.
   */
  private static void sync(Pipeline p) {
    for (Object reply : p.syncAndReturnAll()) {
      if (reply instanceof JedisDataException refused) {
        throw refused;
      }
    }
  }
}
