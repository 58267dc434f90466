package io.strangler.legacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.strangler.api.CallContext;
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
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.RedisDb;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/**
 * The exact keys, types and hash fields the legacy backend writes and reads
 * (docs/legacy-redis-layout.md): what the import tool and the legacy system's own data depend on,
 * and what the shared contract suite cannot see.
 */
@ExtendWith(RealServers.class)
class LegacyLayoutTest {
  private static final Topology TOPOLOGY =
      new Topology(Map.of("us", List.of("us-1", "us-2"), "asia", List.of("asia-1")));

  private final RedisDb redis;
  private LegacyRedisControlPlane plane;
  private Jedis redisCli;
  private Instant now;
  private int seq;

  LegacyLayoutTest(RedisDb redis) {
    this.redis = redis;
  }

  @BeforeEach
  void setUp() {
    redis.flush();
    plane = LegacyRedisControlPlane.create(redis.uri(), 4);
    plane.applyTopology(TOPOLOGY);
    redisCli = redis.connect();
    now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  @AfterEach
  void tearDown() {
    redisCli.close();
    plane.close();
  }

  private CallContext ctx() {
    now = now.plusMillis(1);
    return new CallContext("req-" + (++seq), now);
  }

  private static String ms(Instant t) {
    return Long.toString(t.toEpochMilli());
  }

  /** A repl in us-1 with one machine beside it. */
  private Repl replWithMachine(String replId, String machineId) {
    Repl repl =
        plane.createRepl(new CreateReplRequest(replId, "owner-1", "s-" + replId, "us"), ctx());
    plane.registerMachine(
        new RegisterMachineRequest(machineId, repl.cluster(), "10.1.0.1", 4), ctx());
    return repl;
  }

  @Test
  void applyTopology_writesRegionSets_andReplacesAnEarlierTopology() {
    assertThat(redisCli.smembers("topology:regions")).containsExactlyInAnyOrder("us", "asia");
    assertThat(redisCli.smembers("topology:region:us")).containsExactlyInAnyOrder("us-1", "us-2");

    plane.applyTopology(new Topology(Map.of("eu", List.of("eu-1"))));

    assertThat(redisCli.smembers("topology:regions")).containsExactly("eu");
    assertThat(redisCli.exists("topology:region:us")).isFalse();
    assertThat(plane.topology()).isEqualTo(new Topology(Map.of("eu", List.of("eu-1"))));
  }

  @Test
  void topology_livesInRedis_soAnotherPlaneOnTheSameDatabaseSeesIt() {
    try (LegacyRedisControlPlane other = LegacyRedisControlPlane.create(redis.uri(), 2)) {
      assertThat(other.topology()).isEqualTo(TOPOLOGY);
      Repl repl = other.createRepl(new CreateReplRequest("r-1", "o", "site", "asia"), ctx());
      assertThat(repl.cluster()).isEqualTo("asia-1");
    }
  }

  @Test
  void createRepl_writesTheReplHash_withoutPendingTransferTo_andTheSlugKey() {
    CallContext c = ctx();
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "owner-1", "my-app", "us"), c);

    assertThat(redisCli.type("repl:r-1")).isEqualTo("hash");
    assertThat(redisCli.hgetAll("repl:r-1"))
        .containsOnly(
            entry("replId", "r-1"),
            entry("ownerId", "owner-1"),
            entry("slug", "my-app"),
            entry("region", "us"),
            entry("cluster", repl.cluster()),
            entry("createdAt", ms(c.now())));
    assertThat(redisCli.get("slug:my-app")).isEqualTo("r-1");
  }

  @Test
  void registerMachine_writesTheMachineHash_andClusterSet_butNoRunningCount() {
    CallContext c = ctx();
    plane.registerMachine(new RegisterMachineRequest("m-1", "us-2", "10.0.0.7", 8), c);

    assertThat(redisCli.hgetAll("machine:m-1"))
        .containsOnly(
            entry("machineId", "m-1"),
            entry("cluster", "us-2"),
            entry("address", "10.0.0.7"),
            entry("capacity", "8"),
            entry("state", "ACTIVE"),
            entry("cpuPercent", "0.0"),
            entry("registeredAt", ms(c.now())),
            entry("lastHeartbeatAt", ms(c.now())));
    assertThat(redisCli.smembers("cluster:us-2:machines")).containsExactly("m-1");
  }

  @Test
  void heartbeatAndDrain_updateOnlyTheirFields() {
    plane.registerMachine(new RegisterMachineRequest("m-1", "us-2", "10.0.0.7", 8), ctx());
    CallContext beat = ctx();
    plane.heartbeat(new HeartbeatRequest("m-1", 73.25), beat);
    plane.drainMachine(new DrainMachineRequest("m-1"), ctx());

    assertThat(redisCli.hgetAll("machine:m-1"))
        .contains(
            entry("cpuPercent", "73.25"),
            entry("lastHeartbeatAt", ms(beat.now())),
            entry("state", "DRAINING"));
  }

  @Test
  void connectRepl_writesContainerHash_zsets_runningSet_andCurrent() {
    replWithMachine("r-1", "m-1");
    CallContext c = ctx();
    Container ctr = plane.connectRepl(new ConnectReplRequest("r-1"), c).container();
    String id = Ids.containerId(c.requestId());

    assertThat(ctr.containerId()).isEqualTo(id);
    assertThat(redisCli.hgetAll("container:" + id))
        .containsOnly(
            entry("containerId", id),
            entry("replId", "r-1"),
            entry("machineId", "m-1"),
            entry("cluster", ctr.cluster()),
            entry("state", "RUNNING"),
            entry("startedAt", ms(c.now())));
    assertThat(redisCli.zscore("repl:r-1:containers", id))
        .isEqualTo((double) c.now().toEpochMilli());
    assertThat(redisCli.zscore("machine:m-1:containers", id))
        .isEqualTo((double) c.now().toEpochMilli());
    assertThat(redisCli.smembers("machine:m-1:running")).containsExactly(id);
    assertThat(redisCli.get("repl:r-1:current")).isEqualTo(id);
  }

  @Test
  void stopContainer_marksTheHash_leavesTheHistory_andClearsRunningAndCurrent() {
    replWithMachine("r-1", "m-1");
    Container ctr = plane.connectRepl(new ConnectReplRequest("r-1"), ctx()).container();
    CallContext stop = ctx();

    plane.stopContainer(new StopContainerRequest(ctr.containerId()), stop);

    assertThat(redisCli.hgetAll("container:" + ctr.containerId()))
        .contains(entry("state", "STOPPED"), entry("stoppedAt", ms(stop.now())));
    assertThat(redisCli.exists("machine:m-1:running")).isFalse();
    assertThat(redisCli.exists("repl:r-1:current")).isFalse();
    assertThat(redisCli.zrange("repl:r-1:containers", 0, -1)).containsExactly(ctr.containerId());
    assertThat(redisCli.zrange("machine:m-1:containers", 0, -1)).containsExactly(ctr.containerId());
  }

  @Test
  void stopContainer_notNamedByCurrent_leavesCurrentAlone() {
    replWithMachine("r-1", "m-1");
    Container ctr = plane.connectRepl(new ConnectReplRequest("r-1"), ctx()).container();
    redisCli.set("repl:r-1:current", "ctr-someone-else");

    plane.stopContainer(new StopContainerRequest(ctr.containerId()), ctx());

    assertThat(redisCli.get("repl:r-1:current")).isEqualTo("ctr-someone-else");
  }

  @Test
  void transferRepl_lazy_setsPendingTransferTo_andCancelRemovesTheField() {
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "site", "us"), ctx());

    plane.transferRepl(new TransferReplRequest("r-1", "asia-1", true), ctx());
    assertThat(redisCli.hget("repl:r-1", "pendingTransferTo")).isEqualTo("asia-1");

    plane.transferRepl(new TransferReplRequest("r-1", repl.cluster(), false), ctx());
    assertThat(redisCli.hexists("repl:r-1", "pendingTransferTo")).isFalse();
  }

  @Test
  void transferRepl_eager_writesTheTombstoneHash_withTheKeyExpiringAtExpiresAt() {
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "site", "us"), ctx());
    CallContext c = ctx();
    plane.transferRepl(new TransferReplRequest("r-1", "asia-1", false, 600L), c);
    Instant expiresAt = c.now().plusSeconds(600);

    assertThat(redisCli.hgetAll("tombstone:r-1"))
        .containsOnly(
            entry("replId", "r-1"),
            entry("from", repl.cluster()),
            entry("to", "asia-1"),
            entry("createdAt", ms(c.now())),
            entry("expiresAt", ms(expiresAt)));
    assertThatKeyExpiresAt("tombstone:r-1", expiresAt);
    assertThat(redisCli.hgetAll("repl:r-1"))
        .contains(entry("region", "asia"), entry("cluster", "asia-1"));
  }

  /**
   * PEXPIREAT on Redis's clock: the TTL left is what remains until {@code expiresAt}, give or take
   * the time the test took and the call clock running ahead of the wall clock.
   */
  private void assertThatKeyExpiresAt(String key, Instant expiresAt) {
    long untilExpiry = Duration.between(Instant.now(), expiresAt).toMillis();
    assertThat(redisCli.pttl(key)).isPositive().isCloseTo(untilExpiry, within(5_000L));
  }

  @Test
  void connectRepl_lazyTransfer_writesTheDefaultTtlTombstone_andMovesTheRepl() {
    plane.createRepl(new CreateReplRequest("r-1", "o", "site", "us"), ctx());
    plane.registerMachine(new RegisterMachineRequest("m-a", "asia-1", "10.2.0.1", 4), ctx());
    plane.transferRepl(new TransferReplRequest("r-1", "asia-1", true), ctx());

    CallContext c = ctx();
    plane.connectRepl(new ConnectReplRequest("r-1"), c);

    assertThat(redisCli.hget("tombstone:r-1", "expiresAt"))
        .isEqualTo(ms(c.now().plusSeconds(3600)));
    assertThatKeyExpiresAt("tombstone:r-1", c.now().plusSeconds(3600));
    assertThat(redisCli.hgetAll("repl:r-1"))
        .contains(entry("region", "asia"), entry("cluster", "asia-1"))
        .doesNotContainKey("pendingTransferTo");
  }

  @Test
  void resolveCluster_ignoresATombstoneKeyStillInRedis_onceTheCallIsPastExpiresAt() {
    Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "site", "us"), ctx());
    CallContext move = ctx();
    plane.transferRepl(new TransferReplRequest("r-1", "asia-1", false, 3600L), move);
    Instant expiresAt = move.now().plusSeconds(3600);

    assertThat(
            plane
                .resolveCluster(
                    new ResolveClusterRequest("r-1"),
                    new CallContext("q1", expiresAt.minusMillis(1)))
                .tombstone())
        .isEqualTo(new Tombstone("r-1", repl.cluster(), "asia-1", move.now(), expiresAt));
    assertThat(
            plane
                .resolveCluster(new ResolveClusterRequest("r-1"), new CallContext("q2", expiresAt))
                .tombstone())
        .isNull();
    assertThat(redisCli.exists("tombstone:r-1")).isTrue();
  }

  /** Data as the legacy system left it, written key by key, read back through the API. */
  @Test
  void reads_decodeHandWrittenLegacyData() {
    long t = 1_795_244_400_123L;
    redisCli.hset(
        "repl:r-old",
        Map.of(
            "replId",
            "r-old",
            "ownerId",
            "u-9",
            "slug",
            "old-site",
            "region",
            "us",
            "cluster",
            "us-2",
            "createdAt",
            Long.toString(t),
            "pendingTransferTo",
            "asia-1"));
    redisCli.set("slug:old-site", "r-old");
    redisCli.hset(
        "machine:m-old",
        Map.of(
            "machineId",
            "m-old",
            "cluster",
            "us-2",
            "address",
            "10.9.9.9",
            "capacity",
            "16",
            "state",
            "DRAINING",
            "cpuPercent",
            "12.5",
            "registeredAt",
            Long.toString(t),
            "lastHeartbeatAt",
            Long.toString(t + 5)));
    redisCli.sadd("cluster:us-2:machines", "m-old");
    // Two containers started in the same millisecond: ZRANGE orders them by member.
    for (String id : List.of("ctr-bbb", "ctr-aaa")) {
      redisCli.hset(
          "container:" + id,
          Map.of(
              "containerId",
              id,
              "replId",
              "r-old",
              "machineId",
              "m-old",
              "cluster",
              "us-2",
              "state",
              "STOPPED",
              "startedAt",
              Long.toString(t + 10),
              "stoppedAt",
              Long.toString(t + 20)));
      redisCli.zadd("repl:r-old:containers", t + 10, id);
      redisCli.zadd("machine:m-old:containers", t + 10, id);
    }
    redisCli.hset(
        "container:ctr-ccc",
        Map.of(
            "containerId",
            "ctr-ccc",
            "replId",
            "r-old",
            "machineId",
            "m-old",
            "cluster",
            "us-2",
            "state",
            "RUNNING",
            "startedAt",
            Long.toString(t + 30)));
    redisCli.zadd("repl:r-old:containers", t + 30, "ctr-ccc");
    redisCli.zadd("machine:m-old:containers", t + 30, "ctr-ccc");
    redisCli.sadd("machine:m-old:running", "ctr-ccc");
    redisCli.set("repl:r-old:current", "ctr-ccc");

    assertThat(plane.getRepl(new GetReplRequest("r-old"), ctx()))
        .isEqualTo(
            new Repl("r-old", "u-9", "old-site", "us", "us-2", "asia-1", Instant.ofEpochMilli(t)));
    assertThat(plane.listMachines(new ListMachinesRequest("us-2"), ctx()).machines())
        .containsExactly(
            new Machine(
                "m-old",
                "us-2",
                "10.9.9.9",
                16,
                MachineState.DRAINING,
                12.5,
                1,
                Instant.ofEpochMilli(t),
                Instant.ofEpochMilli(t + 5)));
    assertThat(plane.listContainers(new ListContainersRequest("r-old", null), ctx()).containers())
        .extracting(Container::containerId, Container::state)
        .containsExactly(
            tuple("ctr-aaa", ContainerState.STOPPED),
            tuple("ctr-bbb", ContainerState.STOPPED),
            tuple("ctr-ccc", ContainerState.RUNNING));
    assertThat(plane.getHostingMetadata(new GetHostingMetadataRequest("old-site"), ctx()))
        .isEqualTo(
            new HostingMetadata("r-old", "us-2", HostingState.RUNNING, "ctr-ccc", "10.9.9.9"));
  }

  @Test
  void hostingMetadata_currentNamingAStoppedContainer_isCold() {
    replWithMachine("r-1", "m-1");
    Container ctr = plane.connectRepl(new ConnectReplRequest("r-1"), ctx()).container();
    redisCli.hset("container:" + ctr.containerId(), "state", "STOPPED");

    assertThat(plane.getHostingMetadata(new GetHostingMetadataRequest("s-r-1"), ctx()).state())
        .isEqualTo(HostingState.COLD);
  }
}
