package io.strangler.api.workload;

import io.strangler.api.Operation;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.Request;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded stream of control API calls over every operation, mostly valid, some not (unknown ids,
 * malformed fields, taken slugs), shaped like the platform's traffic: connects and hosting reads
 * dominate. Feed each answer back with {@link #observe} so later calls can name the containers it
 * created. Deterministic for a given seed and sequence of answers. Not thread-safe.
 */
public final class RandomCalls {
  /** One call: the operation and its request. */
  public record Call(Operation<?> operation, Request request) {}

  private final Random random;
  private final List<String> regions;
  private final List<String> clusters;
  private final List<String> repls = new ArrayList<>();
  private final List<String> machines = new ArrayList<>();
  private final List<String> containers = new ArrayList<>();
  private int nextRepl;
  private int nextMachine;

  public RandomCalls(Topology topology, long seed) {
    this.random = new Random(seed);
    this.regions = List.copyOf(topology.regions().keySet());
    this.clusters = topology.regions().values().stream().flatMap(List::stream).sorted().toList();
  }

  public Call next() {
    if (machines.size() < clusters.size() * 2) {
      return registerMachine();
    }
    if (repls.size() < 5) {
      return createRepl();
    }
    int roll = random.nextInt(100);
    if (roll < 12) {
      return createRepl();
    } else if (roll < 20) {
      return new Call(Operation.GET_REPL, new GetReplRequest(maybeUnknown(repls, "r-none")));
    } else if (roll < 26) {
      return registerMachine();
    } else if (roll < 34) {
      double cpu =
          random.nextInt(20) == 0 ? 150.0 : Math.round(random.nextDouble() * 10000) / 100.0;
      return new Call(
          Operation.HEARTBEAT, new HeartbeatRequest(maybeUnknown(machines, "m-none"), cpu));
    } else if (roll < 36) {
      return new Call(Operation.DRAIN_MACHINE, new DrainMachineRequest(pick(machines)));
    } else if (roll < 41) {
      String cluster = random.nextInt(20) == 0 ? "nowhere" : pick(clusters);
      return new Call(Operation.LIST_MACHINES, new ListMachinesRequest(cluster));
    } else if (roll < 61) {
      return new Call(
          Operation.CONNECT_REPL, new ConnectReplRequest(maybeUnknown(repls, "r-none")));
    } else if (roll < 69) {
      String id = containers.isEmpty() ? "ctr-none" : maybeUnknown(containers, "ctr-none");
      return new Call(Operation.STOP_CONTAINER, new StopContainerRequest(id));
    } else if (roll < 75) {
      ListContainersRequest req =
          switch (random.nextInt(7)) {
            case 0 -> new ListContainersRequest(null, null);
            case 1, 2 -> new ListContainersRequest(null, pick(machines));
            default -> new ListContainersRequest(maybeUnknown(repls, "r-none"), null);
          };
      return new Call(Operation.LIST_CONTAINERS, req);
    } else if (roll < 87) {
      String slug = random.nextInt(15) == 0 ? "no-such-slug" : slugOf(pick(repls));
      return new Call(Operation.GET_HOSTING_METADATA, new GetHostingMetadataRequest(slug));
    } else if (roll < 93) {
      return new Call(
          Operation.RESOLVE_CLUSTER, new ResolveClusterRequest(maybeUnknown(repls, "r-none")));
    } else {
      String target = random.nextInt(15) == 0 ? "nowhere" : pick(clusters);
      return new Call(
          Operation.TRANSFER_REPL,
          new TransferReplRequest(
              pick(repls), target, random.nextBoolean(), random.nextBoolean() ? null : 1800L));
    }
  }

  /** Learns what an answer created, so later calls can name it. */
  public void observe(Call call, Object answer) {
    if (answer instanceof ConnectReplResponse r && r.created()) {
      containers.add(r.container().containerId());
    } else if (answer instanceof Container c
        && c.state() == ContainerState.STOPPED
        && containers.size() > 200) {
      containers.remove(c.containerId());
    }
  }

  private Call createRepl() {
    int roll = random.nextInt(20);
    if (roll == 0 && !repls.isEmpty()) {
      // A taken slug under a new id.
      String taken = pick(repls);
      return new Call(
          Operation.CREATE_REPL,
          new CreateReplRequest("r-" + nextRepl++, "owner-x", slugOf(taken), pick(regions)));
    }
    if (roll == 1) {
      return new Call(
          Operation.CREATE_REPL,
          new CreateReplRequest("r-bad", "owner-x", "Bad Slug", pick(regions)));
    }
    if (roll == 2) {
      return new Call(
          Operation.CREATE_REPL,
          new CreateReplRequest("r-" + nextRepl++, "owner-x", "s-unknown-region", "mars"));
    }
    String id = "r-" + nextRepl++;
    repls.add(id);
    return new Call(
        Operation.CREATE_REPL,
        new CreateReplRequest(id, "owner-" + random.nextInt(50), slugOf(id), pick(regions)));
  }

  private Call registerMachine() {
    boolean again = !machines.isEmpty() && random.nextInt(4) == 0;
    String id = again ? pick(machines) : "m-" + nextMachine++;
    String cluster =
        again ? clusterOfMachine(id) : clusters.get((nextMachine - 1) % clusters.size());
    if (!again) {
      machines.add(id);
    }
    int capacity = random.nextInt(25) == 0 ? 0 : 2 + random.nextInt(6);
    return new Call(
        Operation.REGISTER_MACHINE,
        new RegisterMachineRequest(
            id, cluster, "10.1." + random.nextInt(256) + "." + random.nextInt(256), capacity));
  }

  private String clusterOfMachine(String machineId) {
    int n = Integer.parseInt(machineId.substring(2));
    return clusters.get(n % clusters.size());
  }

  private static String slugOf(String replId) {
    return "app-" + replId.substring(2);
  }

  private String maybeUnknown(List<String> known, String unknown) {
    return random.nextInt(20) == 0 ? unknown : pick(known);
  }

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }
}
