package io.strangler.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/**
 * The entity sync in both directions makes one entity equal in both stores, changes nothing the
 * second time, and never writes an older state over a newer write that lands while it runs.
 */
@ExtendWith(RealServers.class)
class EntitySyncTest {

  @Test
  void replConnectedInLegacyOnly_syncFromLegacy_makesBothStoresEqual_thenIsAlreadyEqual(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, 200, 8);
        LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(), 2)) {
      String repl = idleRepl(twin);
      ConnectReplResponse placed =
          legacy.connectRepl(new ConnectReplRequest(repl), CallContext.of("t", Instant.now()));
      assertThat(scan(twin).hasDrift()).isTrue();

      SyncResult first = twin.stores.sync().sync(EntityRef.repl(repl), Side.LEGACY);
      SyncResult second = twin.stores.sync().sync(EntityRef.repl(repl), Side.LEGACY);

      assertThat(first).isInstanceOf(SyncResult.Synced.class);
      assertThat(((SyncResult.Synced) first).changes())
          .anySatisfy(
              c -> assertThat(c).startsWith("containers/" + placed.container().containerId()));
      assertThat(second).isInstanceOf(SyncResult.AlreadyEqual.class);
      DriftReport after = scan(twin);
      assertThat(after.hasDrift()).as(after.toText()).isFalse();
    }
  }

  @Test
  void replChangedInPostgresOnly_syncFromNew_makesBothStoresEqual(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, 200, 8);
        PostgresControlPlane plane =
            new PostgresControlPlane(twin.pg.jdbcUrl(), twin.pg.user(), twin.pg.password(), 2)) {
      String repl = idleRepl(twin);
      CallContext ctx = CallContext.of("t", Instant.now());
      ConnectReplResponse placed = plane.connectRepl(new ConnectReplRequest(repl), ctx);
      plane.stopContainer(new StopContainerRequest(placed.container().containerId()), ctx);
      // Container ids derive from the call: a later call places a new one.
      plane.connectRepl(
          new ConnectReplRequest(repl), CallContext.of("t2", ctx.now().plusMillis(5)));

      SyncResult r = twin.stores.sync().sync(EntityRef.repl(repl), Side.NEW);

      assertThat(r).isInstanceOf(SyncResult.Synced.class);
      DriftReport after = scan(twin);
      assertThat(after.hasDrift()).as(after.toText()).isFalse();
      assertThat(twin.stores.sync().sync(EntityRef.repl(repl), Side.NEW))
          .isInstanceOf(SyncResult.AlreadyEqual.class);
    }
  }

  @Test
  void newerLegacyWrite_duringSyncToNew_isCopiedInsteadOfTheOlderState(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, 100, 8);
        LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(), 2)) {
      try (Jedis j = twin.redis()) {
        j.hset("machine:m-00001", "cpuPercent", "12.5");
      }
      AtomicBoolean raced = new AtomicBoolean();
      EntitySync sync =
          new EntitySync(
              twin.stores.redis(),
              twin.stores.postgres(),
              Clock.systemUTC(),
              5,
              (ref, from, attempt) -> {
                // A newer legacy write lands after the sync read 12.5 and before it commits.
                if (raced.compareAndSet(false, true)) {
                  legacy.heartbeat(
                      new HeartbeatRequest("m-00001", 77.5), CallContext.of("race", Instant.now()));
                }
              });

      SyncResult r = sync.sync(EntityRef.machine("m-00001"), Side.LEGACY);

      assertThat(r).isInstanceOf(SyncResult.Synced.class);
      assertThat(((SyncResult.Synced) r).attempts()).isEqualTo(2);
      assertThat(pgCpu(twin, "m-00001")).isEqualTo(77.5);
      assertThat(scan(twin).hasDrift()).isFalse();
    }
  }

  @Test
  void newerPostgresWriteAndItsShadow_duringSyncToLegacy_areNotOverwritten(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, 100, 8);
        PostgresControlPlane plane =
            new PostgresControlPlane(twin.pg.jdbcUrl(), twin.pg.user(), twin.pg.password(), 2);
        LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(), 2)) {
      twin.sql("UPDATE machines SET cpu_percent = 12.5 WHERE machine_id = 'm-00002'");
      AtomicBoolean raced = new AtomicBoolean();
      EntitySync sync =
          new EntitySync(
              twin.stores.redis(),
              twin.stores.postgres(),
              Clock.systemUTC(),
              5,
              (ref, from, attempt) -> {
                // After the sync re-read 12.5, PostgreSQL takes a newer write and the proxy
                // shadows it to legacy, before the sync's EXEC.
                if (raced.compareAndSet(false, true)) {
                  CallContext ctx = CallContext.of("race", Instant.now());
                  plane.heartbeat(new HeartbeatRequest("m-00002", 66.5), ctx);
                  legacy.heartbeat(new HeartbeatRequest("m-00002", 66.5), ctx);
                }
              });

      SyncResult r = sync.sync(EntityRef.machine("m-00002"), Side.NEW);

      // The EXEC of the first attempt was refused; the second found both stores equal.
      assertThat(r).isInstanceOf(SyncResult.AlreadyEqual.class);
      try (Jedis j = twin.redis()) {
        assertThat(j.hget("machine:m-00002", "cpuPercent")).isEqualTo("66.5");
      }
    }
  }

  /**
   * A key another transaction inserted first, a deadlock or a serialization failure are tried
   * again; a key that stays taken (a PostgreSQL repl holding the slug) still fails the sync.
   */
  @Test
  void aSlugAnotherReplHolds_stillFailsTheSync_whileConcurrentFailuresAreTriedAgain(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, 50, 4);
        LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(), 2);
        PostgresControlPlane plane =
            new PostgresControlPlane(twin.pg.jdbcUrl(), twin.pg.user(), twin.pg.password(), 2)) {
      String region = legacy.topology().regions().keySet().iterator().next();
      CallContext ctx = CallContext.of("t", Instant.now());
      legacy.createRepl(
          new io.strangler.api.ops.CreateReplRequest("repl-a", "o", "taken", region), ctx);
      plane.createRepl(
          new io.strangler.api.ops.CreateReplRequest("repl-b", "o", "taken", region), ctx);
      SyncResult r = twin.stores.sync().sync(EntityRef.repl("repl-a"), Side.LEGACY);

      assertThat(r).isInstanceOf(SyncResult.Failed.class);
      assertThat(((SyncResult.Failed) r).reason()).contains("repls_slug_key");
      assertThat(EntitySync.concurrent(new SQLException("deadlock detected", "40P01"))).isTrue();
      assertThat(EntitySync.concurrent(new SQLException("could not serialize", "40001"))).isTrue();
      assertThat(EntitySync.concurrent(new SQLException("duplicate key", "23505"))).isTrue();
      assertThat(EntitySync.concurrent(new SQLException("connection lost", "08006"))).isFalse();
      assertThat(
              EntitySync.concurrent(
                  new IllegalStateException("no", new SQLException("x", "40P01"))))
          .isTrue();
    }
  }

  @Test
  void dryRunPlan_saysWhatWouldChange_andWritesNothing(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, 100, 8)) {
      twin.sql("UPDATE machines SET address = '10.9.9.9' WHERE machine_id = 'm-00003'");

      SyncResult plan = twin.stores.sync().plan(EntityRef.machine("m-00003"), Side.LEGACY);

      assertThat(plan).isInstanceOf(SyncResult.WouldSync.class);
      assertThat(((SyncResult.WouldSync) plan).changes())
          .containsExactly("machines/m-00003: address \"10.9.9.9\" -> \"10.0.0.2\"");
      assertThat(scan(twin).hasDrift()).isTrue();
    }
  }

  private static DriftReport scan(TwinStores twin) {
    try {
      return twin.stores
          .scanner()
          .scan(
              new DriftScanner.Options(
                  EnumSet.allOf(EntityType.class), 0, 0, DriftScanner.DEFAULT_BATCH, 5));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A repl with no RUNNING container and no pending transfer: ConnectRepl places a new one. */
  static String idleRepl(TwinStores twin) {
    try (Jedis j = twin.redis()) {
      for (int i = 0; ; i++) {
        String id = String.format("repl-%08d", i);
        if (j.exists("repl:" + id)
            && !j.exists("repl:" + id + ":current")
            && !j.hexists("repl:" + id, "pendingTransferTo")) {
          return id;
        }
      }
    }
  }

  private static double pgCpu(TwinStores twin, String machine) {
    try (var c = twin.pg.connect();
        var s = c.prepareStatement("SELECT cpu_percent FROM machines WHERE machine_id = ?")) {
      s.setString(1, machine);
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getDouble(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
