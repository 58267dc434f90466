package io.strangler.traffic.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo's world, seeded in parallel, is the same in both stores, answer for answer. */
@ExtendWith(RealServers.class)
class DemoWorldTest {
  private final RedisDb redis;
  private final PostgresDb pg;

  DemoWorldTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void seed_writesTheSameWorldIntoBothStores() throws Exception {
    redis.flush();
    DemoWorld world = new DemoWorld(2, 2, 8, 600, 11);
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      world.seed(legacy, controlPlane, Instant.now(), n -> {});

      CallContext ctx = new CallContext("check", Instant.now());
      List<String> differences = new ArrayList<>();
      int running = 0;
      for (int i = 0; i < world.repls; i++) {
        String id = DemoWorld.replId(i);
        for (Object[] pair :
            List.of(
                new Object[] {
                  legacy.getRepl(new GetReplRequest(id), ctx),
                  controlPlane.getRepl(new GetReplRequest(id), ctx)
                },
                new Object[] {
                  legacy.listContainers(new ListContainersRequest(id, null), ctx),
                  controlPlane.listContainers(new ListContainersRequest(id, null), ctx)
                },
                new Object[] {
                  legacy.resolveCluster(new ResolveClusterRequest(id), ctx),
                  controlPlane.resolveCluster(new ResolveClusterRequest(id), ctx)
                })) {
          String a = ControlApiJson.mapper().writeValueAsString(pair[0]);
          String b = ControlApiJson.mapper().writeValueAsString(pair[1]);
          if (!a.equals(b)) {
            differences.add(id + ": " + a + " vs " + b);
          }
        }
        running +=
            legacy.listContainers(new ListContainersRequest(id, null), ctx).containers().size();
      }
      for (String cluster :
          world.topology.regions().values().stream().flatMap(List::stream).toList()) {
        assertThat(
                ControlApiJson.mapper()
                    .writeValueAsString(legacy.listMachines(new ListMachinesRequest(cluster), ctx)))
            .isEqualTo(
                ControlApiJson.mapper()
                    .writeValueAsString(
                        controlPlane.listMachines(new ListMachinesRequest(cluster), ctx)));
      }
      assertThat(differences).isEmpty();
      assertThat(running).isBetween(120, 240);
    }
  }
}
