package io.strangler.traffic.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The in-process target repairs as the proxy does: a write the shadow store refused is journaled
 * and its entity copied from the authoritative store, and the journal's directory is gone once the
 * target is closed.
 */
@ExtendWith(RealServers.class)
class InProcessRepairTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CallContext CTX = CallContext.of("test", Instant.now());

  private final RedisDb redis;
  private final PostgresDb pg;

  InProcessRepairTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void aWriteTheShadowStoreRefused_isRepairedFromTheAuthoritativeStore() throws Exception {
    redis.flush();
    InProcessTarget target =
        InProcessStores.open(redis.uri(), pg.database(), Topology.sample(2, 2), Clock.systemUTC());
    Path journal = ((InProcessStores.Repairs) target.repairs()).dir();
    try (ControlPlane newView = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      // Drift the shadow store: it holds another repl r-1, so the shadow CreateRepl is refused.
      newView.createRepl(
          new CreateReplRequest("r-1", "someone-else", "other-app", "region-1"), CTX);
      assertThat(journal).isDirectory();

      CallResult r =
          target.call(
              ReadyCall.of(
                  new TrafficCall(
                      null,
                      "CreateRepl",
                      "req-1",
                      null,
                      JSON.readTree(
                          "{\"replId\":\"r-1\",\"ownerId\":\"owner-1\",\"slug\":\"app-1\",\"region\":\"region-1\"}"),
                      null,
                      "test",
                      null)));
      assertThat(r.answer()).isInstanceOf(Answer.Ok.class);

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(owner(newView, "r-1")).isEqualTo("owner-1"));
      assertThat(newView.getRepl(new GetReplRequest("r-1"), CTX).slug()).isEqualTo("app-1");
    } finally {
      target.close();
    }
    assertThat(journal).as("deleted when the target is closed").doesNotExist();
  }

  private static String owner(ControlPlane plane, String replId) {
    try {
      return plane.getRepl(new GetReplRequest(replId), CTX).ownerId();
    } catch (ControlPlaneException e) {
      return null;
    }
  }
}
