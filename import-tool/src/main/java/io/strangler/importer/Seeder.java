package io.strangler.importer;

import io.strangler.api.Ids;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.Machine;
import io.strangler.api.model.MachineState;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Tombstone;
import io.strangler.api.model.Topology;
import io.strangler.api.placement.HashRing;
import io.strangler.legacy.LegacyCodec;
import io.strangler.legacy.LegacyKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Writes a realistic legacy dataset into one Redis logical database, key for key as the legacy
 * backend writes it (LegacyKeys, LegacyCodec): the topology, machines spread over the clusters,
 * repls placed by the hash ring with unique slugs, stopped and running containers on their
 * cluster's machines (never over capacity), pending lazy transfers and live tombstones.
 * Deterministic for a seed and a {@code now}; pipelined.
 */
public final class Seeder {
  private static final int PIPELINE_REPLS = 2_000;
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final String[] ADJECTIVES = {
    "amber", "brave", "calm", "dusty", "eager", "fuzzy", "gentle", "happy", "icy", "jolly",
    "keen", "lucky", "misty", "noble", "odd", "proud", "quiet", "rapid", "shy", "tidy"
  };
  private static final String[] NOUNS = {
    "otter", "falcon", "maple", "comet", "river", "pixel", "lantern", "badger", "cactus", "harbor",
    "meadow", "nebula", "orchid", "pebble", "quartz", "rocket", "spruce", "tundra", "walrus", "yarn"
  };

  private Seeder() {}

  /**
   * Seeds the database named by the options' URL.
   *
   * @throws IllegalStateException when the database is not empty and {@code flush} is off, or the
   *     server cannot be reached
   */
  public static SeedSummary seed(SeedOptions o) {
    RedisScanReader.RedisTarget target = RedisScanReader.RedisTarget.parse(o.redisUrl(), null);
    long started = System.nanoTime();
    try (Jedis j =
        new Jedis(
            new HostAndPort(target.host(), target.port()),
            DefaultJedisClientConfig.builder()
                .database(target.db())
                .user(target.user())
                .password(target.password())
                .socketTimeoutMillis(60_000)
                .clientName("strangler-seed")
                .build())) {
      if (o.flush()) {
        j.flushDB();
      } else if (j.dbSize() > 0) {
        throw new IllegalStateException(
            target.display()
                + " is not empty ("
                + j.dbSize()
                + " keys): seed an empty database, or pass --flush to empty it first");
      }
      Generation g = new Generation(o);
      g.write(j);
      return new SeedSummary(
          o.seed(),
          o.regions(),
          g.clusters.size(),
          g.machineIds.length,
          o.repls(),
          g.containers,
          g.running,
          g.pending,
          g.tombstones,
          j.dbSize(),
          Duration.ofNanos(System.nanoTime() - started));
    } catch (JedisConnectionException e) {
      throw new IllegalStateException(
          "cannot reach Redis at " + target.display() + ": " + e.getMessage(), e);
    }
  }

  /** One run of the generator: a single random stream consumed in a fixed order. */
  private static final class Generation {
    private final SeedOptions o;
    private final SplittableRandom rng;
    private final long now;
    private final Topology topology;
    private final List<String> clusters = new ArrayList<>();
    private final Map<String, HashRing> rings = new HashMap<>();
    private final Map<String, List<Integer>> machinesOfCluster = new HashMap<>();
    private String[] machineIds;
    private int[] capacity;
    private int[] runningOn;
    private boolean[] draining;
    private int containers;
    private int running;
    private int pending;
    private int tombstones;

    Generation(SeedOptions o) {
      this.o = o;
      this.rng = new SplittableRandom(o.seed());
      this.now = o.now().toEpochMilli();
      this.topology = Topology.sample(o.regions(), o.clustersPerRegion());
      topology
          .regions()
          .forEach(
              (region, cs) -> {
                clusters.addAll(cs);
                rings.put(region, new HashRing(cs));
              });
    }

    void write(Jedis j) {
      try (Pipeline p = j.pipelined()) {
        topology
            .regions()
            .forEach(
                (region, cs) -> {
                  p.sadd(LegacyKeys.REGIONS, region);
                  p.sadd(LegacyKeys.region(region), cs.toArray(String[]::new));
                });
        machines(p);
        p.sync();
        List<String> regions = List.copyOf(topology.regions().keySet());
        for (int i = 0; i < o.repls(); i++) {
          repl(p, i, regions);
          if (i % PIPELINE_REPLS == PIPELINE_REPLS - 1) {
            p.sync();
          }
        }
        p.sync();
      }
    }

    private void machines(Pipeline p) {
      int n = o.machines();
      machineIds = new String[n];
      capacity = new int[n];
      runningOn = new int[n];
      draining = new boolean[n];
      for (int i = 0; i < n; i++) {
        String id = String.format("m-%05d", i + 1);
        String cluster = clusters.get(i % clusters.size());
        machineIds[i] = id;
        capacity[i] = 100 * (1 + rng.nextInt(4));
        draining[i] = rng.nextInt(20) == 0;
        long registered = now - DAY - rng.nextLong(90 * DAY);
        Machine m =
            new Machine(
                id,
                cluster,
                "10." + ((i >> 16) & 255) + "." + ((i >> 8) & 255) + "." + (i & 255),
                capacity[i],
                draining[i] ? MachineState.DRAINING : MachineState.ACTIVE,
                rng.nextInt(1001) / 10.0,
                0,
                Instant.ofEpochMilli(registered),
                Instant.ofEpochMilli(now - rng.nextLong(30_000)));
        p.hset(LegacyKeys.machine(id), LegacyCodec.machineHash(m));
        p.sadd(LegacyKeys.clusterMachines(cluster), id);
        machinesOfCluster.computeIfAbsent(cluster, c -> new ArrayList<>()).add(i);
      }
    }

    private void repl(Pipeline p, int i, List<String> regions) {
      String replId = String.format("repl-%08d", i);
      String region = regions.get(rng.nextInt(regions.size()));
      String cluster = rings.get(region).clusterFor(replId);
      String slug =
          ADJECTIVES[rng.nextInt(ADJECTIVES.length)]
              + "-"
              + NOUNS[rng.nextInt(NOUNS.length)]
              + "-"
              + Integer.toString(i, 36);
      long createdAt = now - 60_000 - rng.nextLong(365 * DAY);
      String pendingTo = null;
      if (clusters.size() > 1 && rng.nextDouble() < o.pendingTransferShare()) {
        pendingTo = otherCluster(cluster);
        pending++;
      }
      Repl repl =
          new Repl(
              replId,
              "user-" + rng.nextInt(Math.max(1, o.repls() / 3)),
              slug,
              region,
              cluster,
              pendingTo,
              Instant.ofEpochMilli(createdAt));
      p.hset(LegacyKeys.repl(replId), LegacyCodec.replHash(repl));
      p.set(LegacyKeys.slug(slug), replId);

      List<Integer> candidates = machinesOfCluster.getOrDefault(cluster, List.of());
      if (!candidates.isEmpty() && rng.nextDouble() < o.containerShare()) {
        containers(p, replId, cluster, createdAt, candidates);
      }
      if (clusters.size() > 1 && rng.nextDouble() < o.tombstoneShare()) {
        long movedAt = now - rng.nextLong(30 * 60_000L);
        Tombstone t =
            new Tombstone(
                replId,
                otherCluster(cluster),
                cluster,
                Instant.ofEpochMilli(movedAt),
                Instant.ofEpochMilli(movedAt + 3_600_000L));
        String key = LegacyKeys.tombstone(replId);
        p.hset(key, LegacyCodec.tombstoneHash(t));
        p.pexpireAt(key, t.expiresAt().toEpochMilli());
        tombstones++;
      }
    }

    private void containers(
        Pipeline p, String replId, String cluster, long createdAt, List<Integer> candidates) {
      int k = 1 + rng.nextInt(3);
      long segment = Math.max(2, (now - createdAt) / k);
      boolean lastRuns = rng.nextDouble() < o.runningShare();
      for (int c = 0; c < k; c++) {
        long startedAt = createdAt + c * segment + rng.nextLong(segment / 2);
        boolean runs = lastRuns && c == k - 1;
        int machine = -1;
        if (runs) {
          // As placement would: an ACTIVE machine with room; a few tries, then it stays stopped.
          for (int attempt = 0; attempt < 5 && machine < 0; attempt++) {
            int m = candidates.get(rng.nextInt(candidates.size()));
            if (!draining[m] && runningOn[m] < capacity[m]) {
              machine = m;
            }
          }
          runs = machine >= 0;
        }
        if (machine < 0) {
          machine = candidates.get(rng.nextInt(candidates.size()));
        }
        String containerId = Ids.containerId("seed-" + o.seed() + "-" + replId + "-" + c);
        Long stoppedAt = runs ? null : startedAt + 1 + rng.nextLong(segment / 2);
        Container container =
            new Container(
                containerId,
                replId,
                machineIds[machine],
                cluster,
                runs ? ContainerState.RUNNING : ContainerState.STOPPED,
                Instant.ofEpochMilli(startedAt),
                stoppedAt == null ? null : Instant.ofEpochMilli(stoppedAt));
        p.hset(LegacyKeys.container(containerId), LegacyCodec.containerHash(container));
        p.zadd(LegacyKeys.replContainers(replId), startedAt, containerId);
        p.zadd(LegacyKeys.machineContainers(machineIds[machine]), startedAt, containerId);
        if (runs) {
          p.sadd(LegacyKeys.machineRunning(machineIds[machine]), containerId);
          p.set(LegacyKeys.replCurrent(replId), containerId);
          runningOn[machine]++;
          running++;
        }
        containers++;
      }
    }

    private String otherCluster(String cluster) {
      String other;
      do {
        other = clusters.get(rng.nextInt(clusters.size()));
      } while (other.equals(cluster));
      return other;
    }
  }
}
