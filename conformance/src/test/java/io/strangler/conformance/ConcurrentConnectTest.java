package io.strangler.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 100 repls, each connected by 64 concurrent callers. The control plane must end with exactly one
 * RUNNING container per repl, and every caller must get that container. The legacy backend races
 * (docs/legacy-redis-layout.md, "The race"): its duplicate count is printed, not asserted.
 */
@ExtendWith(RealServers.class)
class ConcurrentConnectTest {
  private static final Logger log = LoggerFactory.getLogger(ConcurrentConnectTest.class);
  private static final int REPLS = 100;
  private static final int CALLERS = 64;

  private final RedisDb redis;
  private final PostgresDb pg;

  ConcurrentConnectTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void connectRepl_64ConcurrentCallersPerRepl_controlPlaneHasNoDuplicates() throws Exception {
    try (ControlPlane plane = Backends.controlPlane(pg)) {
      Result r = hammer(plane);
      log.info(
          "controlplane: {} repls x {} callers: {} repls with duplicate RUNNING containers",
          REPLS,
          CALLERS,
          r.duplicates);
      assertThat(r.duplicates).isZero();
      assertThat(r.created).isEqualTo(REPLS);
      assertThat(r.callersSeeingAnotherContainer).isZero();
    }
  }

  @Test
  void connectRepl_64ConcurrentCallersPerRepl_legacyDuplicatesAreRecorded() throws Exception {
    try (ControlPlane plane = Backends.legacy(redis)) {
      Result r = hammer(plane);
      // Recorded, not asserted: the race is the legacy backend's known defect.
      log.info(
          "legacy: {} repls x {} callers: {} repls with duplicate RUNNING containers ({} containers created)",
          REPLS,
          CALLERS,
          r.duplicates,
          r.created);
      assertThat(r.created).isGreaterThanOrEqualTo(REPLS);
    }
  }

  private record Result(int duplicates, int created, int callersSeeingAnotherContainer) {}

  private static Result hammer(ControlPlane plane) throws Exception {
    Topology topology = new Topology(java.util.Map.of("us", List.of("us-1", "us-2")));
    plane.applyTopology(topology);
    Instant t0 = Instant.now();
    for (String cluster : List.of("us-1", "us-2")) {
      for (int m = 0; m < 10; m++) {
        plane.registerMachine(
            new RegisterMachineRequest(cluster + "-m" + m, cluster, "10.2.0." + m, 10_000),
            new CallContext("setup-" + cluster + m, t0));
      }
    }
    AtomicInteger seq = new AtomicInteger();
    int created = 0;
    int duplicates = 0;
    int mismatched = 0;
    ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
    try {
      for (int r = 0; r < REPLS; r++) {
        String replId = "r-" + r;
        plane.createRepl(
            new CreateReplRequest(replId, "o", "s-" + r, "us"), new CallContext("create-" + r, t0));
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ConnectReplResponse>> futures = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
          futures.add(
              pool.submit(
                  () -> {
                    start.await();
                    return plane.connectRepl(
                        new ConnectReplRequest(replId),
                        new CallContext("connect-" + seq.incrementAndGet(), t0.plusMillis(1)));
                  }));
        }
        start.countDown();
        Set<String> seen = new HashSet<>();
        for (Future<ConnectReplResponse> f : futures) {
          ConnectReplResponse resp = f.get();
          seen.add(resp.container().containerId());
          if (resp.created()) {
            created++;
          }
        }
        List<Container> containers =
            plane
                .listContainers(
                    new ListContainersRequest(replId, null),
                    new CallContext("list-" + r, t0.plusMillis(2)))
                .containers();
        long running = containers.stream().filter(c -> c.state() == ContainerState.RUNNING).count();
        if (running > 1) {
          duplicates++;
        }
        if (seen.size() > 1) {
          mismatched += seen.size() - 1;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(duplicates, created, mismatched);
  }
}
