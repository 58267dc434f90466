package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Container;
import io.strangler.api.model.Machine;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Clients writing through the proxy (Heartbeat, CreateRepl, ConnectRepl, StopContainer), each on
 * repls and machines of its own, so that what each entity should hold at the end is known: the last
 * write to it, when the proxy acknowledged that write. (Two clients connecting one repl at once is
 * the legacy ConnectRepl race, damage the new store cannot hold; not what these tests are about.)
 */
final class WriteLoad {
  private final RepairHarness h;
  private final int clients;
  private final long everyNanos;
  private volatile long startedNanos;
  private volatile long stoppedNanos;
  private final List<String> regions;
  private final List<String> clusters;
  private final AtomicBoolean running = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();

  final LongAdder calls = new LongAdder();
  final LongAdder acked = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder unavailable = new LongAdder();
  final List<String> internal = new CopyOnWriteArrayList<>();

  /** Each entity's expected state: only entities whose last write was acknowledged. */
  private final Map<String, Double> cpu = new ConcurrentHashMap<>();

  private final Map<String, java.util.concurrent.atomic.AtomicInteger> beats =
      new ConcurrentHashMap<>();
  private final Map<String, Boolean> repls = new ConcurrentHashMap<>();
  private final Map<String, String> containerState = new ConcurrentHashMap<>();
  private final Map<String, String> containerRepl = new ConcurrentHashMap<>();

  /** {@code perSecond} calls a second at most over all clients. */
  WriteLoad(RepairHarness h, Topology topology, int clients, int perSecond) {
    this.h = h;
    this.clients = clients;
    this.everyNanos = 1_000_000_000L * clients / perSecond;
    this.regions = List.copyOf(topology.regions().keySet());
    this.clusters = topology.regions().values().stream().flatMap(List::stream).toList();
  }

  /** Every machine of the load. */
  List<String> machines() {
    List<String> all = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      for (int i = 0; i < clusters.size(); i++) {
        all.add(machine(c, i));
      }
    }
    return all;
  }

  private String machine(int client, int i) {
    return "m-" + client + "-" + i;
  }

  /** A machine of each client in each cluster, registered through the proxy. */
  void prepare() {
    for (int c = 0; c < clients; c++) {
      for (int i = 0; i < clusters.size(); i++) {
        String m = machine(c, i);
        ok(
            h.post(
                "RegisterMachine",
                "{\"machineId\":\""
                    + m
                    + "\",\"cluster\":\""
                    + clusters.get(i)
                    + "\",\"address\":\"10.0."
                    + c
                    + "."
                    + i
                    + "\",\"capacity\":1000}"));
      }
    }
  }

  private static JsonNode ok(RepairHarness.Answer a) {
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.json();
  }

  void start() {
    startedNanos = System.nanoTime();
    running.set(true);
    for (int c = 0; c < clients; c++) {
      int me = c;
      threads.add(Thread.ofPlatform().name("client-" + c).start(() -> run(me)));
    }
  }

  /** Stops the clients and waits for their last calls (bounded by the client's call timeout). */
  void stop() throws InterruptedException {
    running.set(false);
    stoppedNanos = System.nanoTime();
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(30));
      assertThat(t.isAlive()).as(t.getName() + " stopped").isFalse();
    }
  }

  private void run(int me) {
    Random rnd = new Random(1000 + me);
    List<String> mine = new ArrayList<>();
    List<String> runningContainers = new ArrayList<>();
    int n = 0;
    long next = System.nanoTime();
    while (running.get()) {
      n++;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      next = Math.max(next + everyNanos, System.nanoTime() - everyNanos);
      int pick = rnd.nextInt(100);
      if (pick < 30) {
        String m = machine(me, rnd.nextInt(clusters.size()));
        // Each machine's heartbeats only go up, so a store that shows a lower value than it
        // showed before went back in time.
        double value =
            Math.min(
                100.0,
                beats
                        .computeIfAbsent(m, k -> new java.util.concurrent.atomic.AtomicInteger())
                        .incrementAndGet()
                    / 100.0);
        RepairHarness.Answer a =
            call("Heartbeat", "{\"machineId\":\"" + m + "\",\"cpuPercent\":" + value + "}");
        if (a.status() == 200) {
          cpu.put(m, value);
        } else {
          cpu.remove(m);
        }
      } else if (pick < 50 || mine.isEmpty()) {
        String id = "r-" + me + "-" + n;
        String region = regions.get(rnd.nextInt(regions.size()));
        RepairHarness.Answer a =
            call(
                "CreateRepl",
                "{\"replId\":\""
                    + id
                    + "\",\"ownerId\":\"o-"
                    + me
                    + "\",\"slug\":\"app-"
                    + me
                    + "-"
                    + n
                    + "\",\"region\":\""
                    + region
                    + "\"}");
        if (a.status() == 200) {
          repls.put(id, true);
          mine.add(id);
        }
      } else if (pick < 78) {
        String repl = mine.get(rnd.nextInt(mine.size()));
        RepairHarness.Answer a = call("ConnectRepl", "{\"replId\":\"" + repl + "\"}");
        if (a.status() == 200) {
          String c = a.json().path("container").path("containerId").asText();
          containerState.put(c, "RUNNING");
          containerRepl.put(c, repl);
          if (!runningContainers.contains(c)) {
            runningContainers.add(c);
          }
        }
      } else if (!runningContainers.isEmpty()) {
        String c = runningContainers.remove(rnd.nextInt(runningContainers.size()));
        RepairHarness.Answer a = call("StopContainer", "{\"containerId\":\"" + c + "\"}");
        if (a.status() == 200) {
          containerState.put(c, "STOPPED");
        } else {
          containerState.remove(c);
        }
      }
    }
  }

  private RepairHarness.Answer call(String op, String body) {
    RepairHarness.Answer a = h.post(op, body);
    calls.increment();
    int s = a.status();
    if (s == 200) {
      acked.increment();
    } else if (s >= 400 && s < 500) {
      refused.increment();
    } else if (s == 503 || s == 504 || s == 0) {
      unavailable.increment();
    } else if (internal.size() < 20) {
      internal.add(op + " " + s + " " + a.body());
    }
    return a;
  }

  long knownEntities() {
    return cpu.size() + repls.size() + containerState.size();
  }

  /**
   * Every acknowledged last write is in {@code plane}: the repl, the machine's cpu, the container's
   * state.
   */
  void assertHeldBy(ControlPlane plane, String name) {
    CallContext ctx = CallContext.of("check", Instant.now());
    for (String id : repls.keySet()) {
      assertThat(plane.getRepl(new GetReplRequest(id), ctx).replId())
          .as(name + ": repl " + id)
          .isEqualTo(id);
    }
    for (String cluster : clusters) {
      for (Machine m : plane.listMachines(new ListMachinesRequest(cluster), ctx).machines()) {
        Double expected = cpu.get(m.machineId());
        if (expected != null) {
          assertThat(m.cpuPercent()).as(name + ": cpu of " + m.machineId()).isEqualTo(expected);
        }
      }
    }
    containerState.forEach(
        (c, state) -> {
          List<Container> of =
              plane
                  .listContainers(new ListContainersRequest(containerRepl.get(c), null), ctx)
                  .containers();
          assertThat(of)
              .as(name + ": " + c + " " + state)
              .anySatisfy(
                  x -> {
                    assertThat(x.containerId()).isEqualTo(c);
                    assertThat(x.state().name()).isEqualTo(state);
                  });
        });
  }

  String summary() {
    double seconds = (stoppedNanos - startedNanos) / 1e9;
    return String.format("%.0f calls/s", calls.sum() / seconds)
        + ", "
        + calls.sum()
        + " calls: "
        + acked.sum()
        + " acknowledged, "
        + refused.sum()
        + " refused, "
        + unavailable.sum()
        + " unavailable";
  }
}
