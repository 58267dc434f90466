package io.strangler.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.api.workload.RandomCalls;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One seeded-random script over every operation, applied call by call to both backends with the
 * same CallContext: every answer, error or not, must be the same JSON.
 */
@ExtendWith(RealServers.class)
class ParityTest {
  private static final Logger log = LoggerFactory.getLogger(ParityTest.class);
  private static final ObjectMapper JSON = ControlApiJson.mapper();
  private static final int CALLS = 600;

  private final RedisDb redis;
  private final PostgresDb pg;
  private ControlPlane legacy;
  private ControlPlane controlPlane;

  ParityTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeEach
  void open() {
    legacy = Backends.legacy(redis);
    controlPlane = Backends.controlPlane(pg);
    Topology topology = Topology.sample(3, 2);
    legacy.applyTopology(topology);
    controlPlane.applyTopology(topology);
  }

  @AfterEach
  void close() {
    legacy.close();
    controlPlane.close();
  }

  @Test
  void seededScript_givesIdenticalJsonFromBothBackends() throws Exception {
    RandomCalls calls = new RandomCalls(Topology.sample(3, 2), 20261121L);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Map<String, Integer> perOperation = new TreeMap<>();
    Map<String, Integer> errors = new TreeMap<>();
    List<String> differences = new ArrayList<>();

    for (int i = 0; i < CALLS; i++) {
      RandomCalls.Call call = calls.next();
      CallContext ctx = new CallContext("parity-" + i, now.plusMillis(i * 250L));
      Object legacyAnswer = invoke(legacy, call, ctx);
      Object newAnswer = invoke(controlPlane, call, ctx);
      String a = JSON.writeValueAsString(legacyAnswer);
      String b = JSON.writeValueAsString(newAnswer);
      if (!a.equals(b)) {
        differences.add("#" + i + " " + call + "\n  legacy: " + a + "\n  new:    " + b);
      }
      perOperation.merge(call.operation().name(), 1, Integer::sum);
      if (legacyAnswer instanceof io.strangler.api.ErrorBody e) {
        errors.merge(e.code().name(), 1, Integer::sum);
      }
      calls.observe(call, legacyAnswer);
    }

    log.info("parity: {} calls, per operation {}, errors {}", CALLS, perOperation, errors);
    assertThat(differences).as("answers that differ").isEmpty();
    assertThat(perOperation.keySet())
        .containsExactlyInAnyOrderElementsOf(Operation.ALL.stream().map(Operation::name).toList());
    assertThat(errors).containsKeys("INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS");
  }

  private static Object invoke(ControlPlane plane, RandomCalls.Call call, CallContext ctx) {
    try {
      return call.operation().call(plane, call.request(), ctx);
    } catch (ControlPlaneException e) {
      return e.body();
    }
  }
}
