package io.strangler.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.api.workload.RandomCalls;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.RedisDb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The seeded mixed workload, valid and invalid calls over every operation, against the legacy
 * backend alone: every answer is a value or one of the contract's client errors, never a store
 * failure (INTERNAL or UNAVAILABLE) from data the adapter wrote itself.
 */
@ExtendWith(RealServers.class)
class LegacyRandomCallsTest {
  private static final int CALLS = 1_500;

  private final RedisDb redis;

  LegacyRandomCallsTest(RedisDb redis) {
    this.redis = redis;
  }

  @Test
  void seededWorkload_answersOnlyValuesAndClientErrors() {
    redis.flush();
    Topology topology = Topology.sample(3, 2);
    Map<String, Integer> perOperation = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    try (LegacyRedisControlPlane plane = LegacyRedisControlPlane.create(redis.uri(), 4)) {
      plane.applyTopology(topology);
      RandomCalls calls = new RandomCalls(topology, 7L);
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      for (int i = 0; i < CALLS; i++) {
        RandomCalls.Call call = calls.next();
        Object answer;
        try {
          answer =
              call.operation()
                  .call(
                      plane, call.request(), new CallContext("rc-" + i, now.plusMillis(i * 250L)));
        } catch (ControlPlaneException e) {
          if (e.code() == ErrorCode.INTERNAL || e.code() == ErrorCode.UNAVAILABLE) {
            failures.add("#" + i + " " + call + ": " + e);
          }
          answer = e.body();
        }
        perOperation.merge(call.operation().name(), 1, Integer::sum);
        calls.observe(call, answer);
      }
    }

    assertThat(failures).isEmpty();
    assertThat(perOperation.keySet())
        .containsExactlyInAnyOrderElementsOf(Operation.ALL.stream().map(Operation::name).toList());
  }
}
