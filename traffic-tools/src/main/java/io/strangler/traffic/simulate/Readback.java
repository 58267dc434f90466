package io.strangler.traffic.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.Request;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.traffic.replay.Answer;
import io.strangler.traffic.replay.ReadyCall;
import io.strangler.traffic.replay.ReplayException;
import io.strangler.traffic.replay.Target;
import io.strangler.traffic.replay.TrafficCall;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulation left behind, read back through the same target after the traffic: how evenly
 * containers are spread over the ACTIVE machines (from ListMachines), and whether every lazy
 * transfer a connect applied left the repl in its new cluster with a tombstone pointing there from
 * the old one (GetRepl, ResolveCluster).
 */
public final class Readback {
  private static final ObjectMapper JSON = ControlApiJson.mapper();
  private static final int EXAMPLES = 5;

  private final Target target;
  private final AtomicLong seq = new AtomicLong();
  private final String idPrefix;

  public Readback(Target target, long seed) {
    this.target = target;
    this.idPrefix = "sim-" + seed + "-readback-";
  }

  private Answer ask(String operation, Request request) {
    TrafficCall call =
        new TrafficCall(
            null,
            operation,
            idPrefix + seq.incrementAndGet(),
            "SHADOW",
            JSON.valueToTree(request),
            null,
            "readback");
    return target.call(ReadyCall.of(call)).answer();
  }

  /** Fails early, with what to do, when the target does not know a cluster of the simulation. */
  public void requireTopology(Topology topology) {
    for (List<String> clusters : topology.regions().values()) {
      for (String cluster : clusters) {
        if (ask("ListMachines", new ListMachinesRequest(cluster)) instanceof Answer.Failed f) {
          throw new ReplayException(
              "the target cannot list the machines of cluster '"
                  + cluster
                  + "' ("
                  + f.code()
                  + ": "
                  + f.message()
                  + "): serve it with the simulation's topology (`strangler simulate --print-topology > topology.json`,"
                  + " then `strangler serve --topology topology.json`)");
        }
      }
    }
  }

  /** Running containers per ACTIVE machine: overall and by region. */
  public ObjectNode placement(Topology topology) {
    List<Integer> all = new ArrayList<>();
    Map<String, List<Integer>> byRegion = new TreeMap<>();
    long draining = 0;
    for (Map.Entry<String, List<String>> region : topology.regions().entrySet()) {
      for (String cluster : region.getValue()) {
        if (!(ask("ListMachines", new ListMachinesRequest(cluster)) instanceof Answer.Ok ok)) {
          throw new ReplayException("ListMachines of " + cluster + " failed after the simulation");
        }
        for (JsonNode m : ok.body().path("machines")) {
          if ("ACTIVE".equals(m.path("state").asText())) {
            int running = m.path("runningContainers").asInt();
            all.add(running);
            byRegion.computeIfAbsent(region.getKey(), k -> new ArrayList<>()).add(running);
          } else {
            draining++;
          }
        }
      }
    }
    ObjectNode out = stats(all);
    out.put("drainingMachines", draining);
    ObjectNode regions = out.putObject("byRegion");
    byRegion.forEach((region, values) -> regions.set(region, stats(values)));
    return out;
  }

  private static ObjectNode stats(List<Integer> values) {
    List<Integer> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    ObjectNode n = JSON.createObjectNode();
    n.put("activeMachines", sorted.size());
    n.put("runningContainers", sorted.stream().mapToLong(Integer::longValue).sum());
    if (sorted.isEmpty()) {
      return n;
    }
    n.put("p50", rank(sorted, 0.50));
    n.put("p99", rank(sorted, 0.99));
    n.put("max", sorted.get(sorted.size() - 1));
    n.put("min", sorted.get(0));
    n.put(
        "mean",
        Math.round(sorted.stream().mapToInt(Integer::intValue).average().orElse(0) * 100) / 100.0);
    return n;
  }

  /** The nearest-rank percentile. */
  private static int rank(List<Integer> sorted, double q) {
    int index = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  /**
   * Every applied transfer checked: the repl in its new cluster, the tombstone from the old one.
   */
  public ObjectNode transfers(List<World.Moved> moved, long marked, int pending, String newRegion) {
    ObjectNode out = JSON.createObjectNode();
    out.put("marked", marked);
    out.put("applied", moved.size());
    out.put("pending", pending);
    long verified = 0;
    ArrayNode wrong = JSON.createArrayNode();
    long wrongCount = 0;
    for (World.Moved m : moved) {
      String problem = check(m, newRegion);
      if (problem == null) {
        verified++;
      } else {
        wrongCount++;
        if (wrong.size() < EXAMPLES) {
          wrong
              .addObject()
              .put("replId", m.replId())
              .put("from", m.from())
              .put("to", m.to())
              .put("problem", problem);
        }
      }
    }
    out.put("verified", verified);
    out.put("wrong", wrongCount);
    out.set("wrongExamples", wrong);
    return out;
  }

  private String check(World.Moved m, String newRegion) {
    if (!(ask("GetRepl", new GetReplRequest(m.replId())) instanceof Answer.Ok repl)) {
      return "GetRepl failed";
    }
    if (!m.to().equals(repl.body().path("cluster").asText())) {
      return "in cluster " + repl.body().path("cluster").asText() + ", not " + m.to();
    }
    if (!newRegion.equals(repl.body().path("region").asText())) {
      return "in region " + repl.body().path("region").asText() + ", not " + newRegion;
    }
    if (!(ask("ResolveCluster", new ResolveClusterRequest(m.replId()))
        instanceof Answer.Ok resolved)) {
      return "ResolveCluster failed";
    }
    JsonNode tombstone = resolved.body().path("tombstone");
    if (tombstone.isNull() || tombstone.isMissingNode()) {
      return "no tombstone";
    }
    if (!m.from().equals(tombstone.path("from").asText())
        || !m.to().equals(tombstone.path("to").asText())) {
      return "tombstone "
          + tombstone.path("from").asText()
          + " -> "
          + tombstone.path("to").asText();
    }
    return null;
  }
}
