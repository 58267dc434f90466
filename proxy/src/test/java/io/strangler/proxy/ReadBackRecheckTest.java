package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.DiffRulesFile;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.diff.Classifier;
import io.strangler.diff.DiffRules;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Side;
import io.strangler.diff.Verdict;
import io.strangler.diff.report.CallKind;
import io.strangler.diff.report.Rereader;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A machine write whose two answers differ is read back from both real stores: a RACE when the
 * stores agree on the machine, a MISMATCH while they still differ (a real difference is never
 * hidden by the recheck).
 */
@ExtendWith(RealServers.class)
class ReadBackRecheckTest {
  private static final Topology TOPOLOGY = new Topology(Map.of("us", List.of("us-1")));
  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  private static final Classifier CLASSIFIER = new Classifier(DiffRules.load(DiffRulesFile.url()));

  private final RedisDb redis;
  private final PostgresDb pg;
  private ControlPlane legacy;
  private ControlPlane controlPlane;
  private Rereader rereader;

  ReadBackRecheckTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeEach
  void open() throws Exception {
    redis.flush();
    legacy = LegacyRedisControlPlane.create(redis.uri(), 4);
    controlPlane = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password(), 4);
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE repls, machines, containers, tombstones");
    }
    legacy.applyTopology(TOPOLOGY);
    controlPlane.applyTopology(TOPOLOGY);
    rereader =
        DiffWiring.rereader(
            ControlApiBinding.registry(),
            ControlApiBinding.backend(legacy),
            ControlApiBinding.backend(controlPlane),
            Clock.fixed(NOW, ZoneOffset.UTC));
    for (ControlPlane p : List.of(legacy, controlPlane)) {
      p.registerMachine(new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 10), ctx("reg"));
      p.createRepl(new CreateReplRequest("r-1", "u-1", "app-1", "us"), ctx("create"));
    }
  }

  @AfterEach
  void close() {
    legacy.close();
    controlPlane.close();
  }

  private static CallContext ctx(String id) {
    return new CallContext(id, NOW);
  }

  private static JsonNode json(Object o) {
    return ControlApiJson.mapper().valueToTree(o);
  }

  /** A heartbeat whose answers differed on runningContainers, classified with its read back. */
  private Verdict heartbeatWithReadBack() {
    HeartbeatRequest beat = new HeartbeatRequest("m-1", 12.5);
    JsonNode answer = json(legacy.heartbeat(beat, ctx("beat")));
    controlPlane.heartbeat(beat, ctx("beat"));
    JsonNode stale = answer.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) stale).put("runningContainers", 0);
    Optional<Observations> again = rereader.reread("Heartbeat", json(beat), answer);
    assertThat(again).isPresent();
    return CLASSIFIER
        .classify(
            "Heartbeat",
            Side.LEGACY,
            new Observations(new Observed.Answer(answer), new Observed.Answer(stale)),
            () -> again)
        .verdict();
  }

  @Test
  void aSecondRead_waitsWhileTheProxyHoldsAShadowCallOfItsEntity_andReadsWhatItWrote()
      throws Exception {
    java.util.concurrent.atomic.AtomicBoolean queued =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    io.strangler.dispatch.PendingShadowWrites lanes =
        (key, backend) -> queued.get() && key.equals("cluster:us-1");
    Rereader waiting =
        DiffWiring.rereader(
            ControlApiBinding.registry(),
            ControlApiBinding.backend(legacy),
            ControlApiBinding.backend(controlPlane),
            Clock.fixed(NOW, ZoneOffset.UTC),
            () -> lanes);
    legacy.heartbeat(new HeartbeatRequest("m-1", 40.0), ctx("beat-2"));
    // The shadow heartbeat is "in the lane" and lands while the recheck waits for it.
    Thread shadow =
        Thread.ofPlatform()
            .start(
                () -> {
                  await()
                      .pollDelay(java.time.Duration.ofMillis(30))
                      .atMost(java.time.Duration.ofSeconds(5))
                      .until(() -> true);
                  controlPlane.heartbeat(new HeartbeatRequest("m-1", 40.0), ctx("beat-2"));
                  queued.set(false);
                });
    long start = System.nanoTime();
    Optional<Observations> again =
        waiting.reread("ListMachines", json(Map.of("cluster", "us-1")), null);
    shadow.join(java.time.Duration.ofSeconds(10));

    assertThat(System.nanoTime() - start).as("waited for the lane").isGreaterThan(20_000_000L);
    assertThat(again).isPresent();
    assertThat(again.get().legacySide()).isEqualTo(again.get().newSide());
  }

  @Test
  void machineWrites_areReadBack_otherWritesAreNot() {
    assertThat(rereader.rereads("Heartbeat", CallKind.WRITE)).isTrue();
    assertThat(rereader.rereads("RegisterMachine", CallKind.WRITE)).isTrue();
    assertThat(rereader.rereads("DrainMachine", CallKind.WRITE)).isTrue();
    assertThat(rereader.rereads("ConnectRepl", CallKind.WRITE)).isFalse();
    assertThat(rereader.rereads("ListMachines", CallKind.READ)).isTrue();
  }

  @Test
  void storesAgreeOnTheMachine_race() {
    legacy.connectRepl(new ConnectReplRequest("r-1"), ctx("connect"));
    controlPlane.connectRepl(new ConnectReplRequest("r-1"), ctx("connect"));

    assertThat(heartbeatWithReadBack()).isEqualTo(Verdict.RACE);
  }

  @Test
  void storesStillDifferOnTheMachine_mismatch() {
    // The container runs only in the legacy store: the machine's running set really differs.
    legacy.connectRepl(new ConnectReplRequest("r-1"), ctx("connect"));

    assertThat(heartbeatWithReadBack()).isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void machineMissingFromOneStore_mismatch() throws Exception {
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM machines WHERE machine_id = 'm-1'");
    }
    JsonNode answer = json(legacy.heartbeat(new HeartbeatRequest("m-1", 1.0), ctx("beat")));

    Optional<Observations> again =
        rereader.reread("Heartbeat", json(new HeartbeatRequest("m-1", 1.0)), answer);

    assertThat(again).isPresent();
    assertThat(again.get().newSide()).isInstanceOf(Observed.Failure.class);
  }
}
