package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ContainerPlacement;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The control API's shadow writes, derived from real answers of real backends: the shadow applies
 * the authoritative placement (in either direction), and every write names what it touches.
 */
@ExtendWith(RealServers.class)
class ControlApiShadowsTest {
  private static final Topology TOPOLOGY = new Topology(Map.of("us", List.of("us-1")));
  private static final AtomicInteger TEST = new AtomicInteger();

  private final RedisDb redis;
  private final PostgresDb pg;
  private ControlPlane legacy;
  private ControlPlane controlPlane;
  private String p;
  private int seq;
  private Instant now = Instant.parse("2026-12-03T10:00:00Z");

  ControlApiShadowsTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeEach
  void open() throws SQLException {
    redis.flush();
    legacy = LegacyRedisControlPlane.create(redis.uri(), 8);
    controlPlane = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password(), 4);
    // The class shares its database: each test starts from empty stores.
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE repls, machines, containers, tombstones");
    }
    legacy.applyTopology(TOPOLOGY);
    controlPlane.applyTopology(TOPOLOGY);
    p = "t" + TEST.incrementAndGet() + "-";
  }

  @AfterEach
  void close() {
    legacy.close();
    controlPlane.close();
  }

  @Test
  void connectRepl_inShadow_postgresAppliesTheLegacyPlacement() throws Exception {
    appliesTheAuthoritativePlacement(legacy, controlPlane);
  }

  @Test
  void connectRepl_inNewPrimary_legacyAppliesThePostgresPlacement() throws Exception {
    appliesTheAuthoritativePlacement(controlPlane, legacy);
  }

  /**
   * The shadow's store is made to disagree (the authoritative's chosen machine is drained there
   * only), so left to itself the shadow would place elsewhere: told the placement, it answers the
   * authoritative's answer, and the would-have-differed count says so.
   */
  private void appliesTheAuthoritativePlacement(ControlPlane authoritative, ControlPlane shadow)
      throws Exception {
    String replId = p + "r";
    bothCall(Operation.CREATE_REPL, new CreateReplRequest(replId, "o", p + "slug", "us"));
    bothCall(
        Operation.REGISTER_MACHINE, new RegisterMachineRequest(p + "m-a", "us-1", "10.0.0.1", 4));
    bothCall(
        Operation.REGISTER_MACHINE, new RegisterMachineRequest(p + "m-b", "us-1", "10.0.0.2", 4));
    ControlApiShadows.DecisionCounter decisions = new ControlApiShadows.DecisionCounter();
    Backend shadowBackend = ControlApiBinding.backend(shadow, decisions);
    Prepared client = prepare(Operation.CONNECT_REPL, "{\"replId\":\"" + replId + "\"}");
    Stamp stamp = stamp();

    JsonNode answer =
        ok(ControlApiBinding.backend(authoritative).call("ConnectRepl", client, stamp));
    String placedOn = answer.at("/container/machineId").asText();
    shadow.drainMachine(new DrainMachineRequest(placedOn), ctx());
    Prepared shadowed = spec(Operation.CONNECT_REPL).shadowRequest(client, answer);
    JsonNode shadowAnswer = ok(shadowBackend.call("ConnectRepl", shadowed, stamp));

    assertThat(shadowed.body()).isEqualTo(client.body());
    assertThat(shadowed.entityKey()).isEqualTo(client.entityKey());
    assertThat(shadowed.request(ConnectReplRequest.class).placement())
        .isEqualTo(new ContainerPlacement(placedOn, answer.at("/container/containerId").asText()));
    assertThat(shadowAnswer).isEqualTo(answer);
    assertThat(decisions.count("ConnectRepl", ControlApiShadows.PLACEMENT_FIELD)).isEqualTo(1);
    assertThat(decisions.snapshot()).hasSize(1);
  }

  @Test
  void connectRepl_authoritativeAnsweredItsRunningContainer_shadowIsToldThatOne() throws Exception {
    String replId = p + "r";
    bothCall(Operation.CREATE_REPL, new CreateReplRequest(replId, "o", p + "slug", "us"));
    bothCall(
        Operation.REGISTER_MACHINE, new RegisterMachineRequest(p + "m-a", "us-1", "10.0.0.1", 4));
    legacy.connectRepl(new ConnectReplRequest(replId), ctx());
    Prepared client = prepare(Operation.CONNECT_REPL, "{\"replId\":\"" + replId + "\"}");

    JsonNode answer = ok(ControlApiBinding.backend(legacy).call("ConnectRepl", client, stamp()));
    // The shadow (drifted: it never got the first connect) starts the same container.
    JsonNode shadowAnswer =
        ok(
            ControlApiBinding.backend(controlPlane)
                .call(
                    "ConnectRepl",
                    spec(Operation.CONNECT_REPL).shadowRequest(client, answer),
                    stamp()));

    assertThat(answer.get("created").asBoolean()).isFalse();
    assertThat(shadowAnswer.at("/container/containerId"))
        .isEqualTo(answer.at("/container/containerId"));
    assertThat(shadowAnswer.at("/container/machineId"))
        .isEqualTo(answer.at("/container/machineId"));
  }

  @Test
  void connectRepl_answerWithoutAContainer_sendsTheClientsRequest() throws Exception {
    Prepared client = prepare(Operation.CONNECT_REPL, "{\"replId\":\"r-1\"}");
    ObjectNode odd = ControlApiJson.mapper().createObjectNode().put("created", true);

    assertThat(spec(Operation.CONNECT_REPL).shadowRequest(client, odd)).isSameAs(client);
    assertThat(spec(Operation.CONNECT_REPL).orderingKeys(client, odd)).containsExactly("repl:r-1");
  }

  @Test
  void connectRepl_placementFromAClient_isRefused() {
    assertThatThrownBy(
            () ->
                prepare(
                    Operation.CONNECT_REPL,
                    "{\"replId\":\"r-1\",\"placement\":{\"machineId\":\"m-1\"}}"))
        .isInstanceOfSatisfying(
            BadRequest.class,
            e -> {
              assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
              assertThat(e.getMessage()).contains("'placement'");
            });
  }

  @Test
  void orderingKeys_ofContainerWrites_nameTheContainerReplMachineAndCluster() throws Exception {
    String replId = p + "r";
    bothCall(Operation.CREATE_REPL, new CreateReplRequest(replId, "o", p + "slug", "us"));
    bothCall(
        Operation.REGISTER_MACHINE, new RegisterMachineRequest(p + "m-a", "us-1", "10.0.0.1", 4));
    Prepared connect = prepare(Operation.CONNECT_REPL, "{\"replId\":\"" + replId + "\"}");
    JsonNode connected =
        ok(ControlApiBinding.backend(legacy).call("ConnectRepl", connect, stamp()));
    String containerId = connected.at("/container/containerId").asText();
    Prepared stop = prepare(Operation.STOP_CONTAINER, "{\"containerId\":\"" + containerId + "\"}");
    JsonNode stopped = ok(ControlApiBinding.backend(legacy).call("StopContainer", stop, stamp()));

    List<String> touched =
        List.of(
            "container:" + containerId, "repl:" + replId, "machine:" + p + "m-a", "cluster:us-1");
    assertThat(spec(Operation.CONNECT_REPL).orderingKeys(connect, connected))
        .containsExactlyInAnyOrderElementsOf(touched)
        .startsWith("repl:" + replId);
    // StopContainer is keyed by its container; its answer adds the repl, whose next ConnectRepl
    // must not overtake it in the shadow.
    assertThat(spec(Operation.STOP_CONTAINER).orderingKeys(stop, stopped))
        .containsExactlyInAnyOrderElementsOf(touched)
        .startsWith("container:" + containerId);
  }

  @Test
  void orderingKeys_ofReplAndMachineWrites_addTheSlugOrTheCluster() throws Exception {
    String replId = p + "r";
    Prepared create =
        prepare(
            Operation.CREATE_REPL,
            "{\"replId\":\""
                + replId
                + "\",\"ownerId\":\"o\",\"slug\":\""
                + p
                + "slug\",\"region\":\"us\"}");
    JsonNode created =
        ok(ControlApiBinding.backend(controlPlane).call("CreateRepl", create, stamp()));
    Prepared register =
        prepare(
            Operation.REGISTER_MACHINE,
            "{\"machineId\":\"" + p + "m\",\"cluster\":\"us-1\",\"address\":\"a\",\"capacity\":2}");
    JsonNode registered =
        ok(ControlApiBinding.backend(controlPlane).call("RegisterMachine", register, stamp()));
    Prepared heartbeat =
        prepare(Operation.HEARTBEAT, "{\"machineId\":\"" + p + "m\",\"cpuPercent\":5}");
    JsonNode beat =
        ok(ControlApiBinding.backend(controlPlane).call("Heartbeat", heartbeat, stamp()));
    Prepared drain = prepare(Operation.DRAIN_MACHINE, "{\"machineId\":\"" + p + "m\"}");
    JsonNode drained =
        ok(ControlApiBinding.backend(controlPlane).call("DrainMachine", drain, stamp()));
    Prepared transfer =
        prepare(
            Operation.TRANSFER_REPL, "{\"replId\":\"" + replId + "\",\"targetCluster\":\"us-1\"}");
    JsonNode transferred =
        ok(ControlApiBinding.backend(controlPlane).call("TransferRepl", transfer, stamp()));

    assertThat(spec(Operation.CREATE_REPL).orderingKeys(create, created))
        .containsExactly("repl:" + replId, "slug:" + p + "slug");
    assertThat(spec(Operation.REGISTER_MACHINE).orderingKeys(register, registered))
        .containsExactly("machine:" + p + "m", "cluster:us-1");
    assertThat(spec(Operation.HEARTBEAT).orderingKeys(heartbeat, beat))
        .containsExactly("machine:" + p + "m", "cluster:us-1");
    assertThat(spec(Operation.DRAIN_MACHINE).orderingKeys(drain, drained))
        .containsExactly("machine:" + p + "m", "cluster:us-1");
    assertThat(spec(Operation.TRANSFER_REPL).orderingKeys(transfer, transferred))
        .containsExactly("repl:" + replId, "slug:" + p + "slug");
    // Writes other than ConnectRepl send the client's request.
    assertThat(spec(Operation.DRAIN_MACHINE).shadowRequest(drain, drained)).isSameAs(drain);
  }

  // ---- helpers

  private static ApiSpec spec(Operation<?> op) {
    return ControlApiBinding.spec(op);
  }

  private static Prepared prepare(Operation<?> op, String json) throws Exception {
    return spec(op).prepare(ControlApiJson.mapper().readTree(json));
  }

  private void bothCall(Operation<?> op, Object request) {
    CallContext c = ctx();
    op.call(legacy, (io.strangler.api.ops.Request) request, c);
    op.call(controlPlane, (io.strangler.api.ops.Request) request, c);
  }

  private CallContext ctx() {
    now = now.plusMillis(1);
    return new CallContext(p + "req-" + (++seq), now);
  }

  private Stamp stamp() {
    CallContext c = ctx();
    return new Stamp(c.requestId(), c.now());
  }

  private static JsonNode ok(Reply reply) {
    assertThat(reply).isInstanceOf(Reply.Ok.class);
    return ((Reply.Ok) reply).body();
  }
}
