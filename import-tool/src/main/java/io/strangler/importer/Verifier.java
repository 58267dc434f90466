package io.strangler.importer;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.importer.ReadComparator.Outcome;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Compares, for each sampled repl, what the legacy backend and the control plane answer to the
 * reads that concern it: GetRepl, ListContainers of the repl, ResolveCluster, GetHostingMetadata of
 * its slug, ListMachines of its cluster and ListContainers of each machine its containers ran on
 * (the last two compared once per cluster and machine).
 *
 * <p>Each repl's reads carry the wall clock's now, taken when the repl's turn comes: tombstones
 * expire on Redis's clock, so a stale now would see one the legacy store has already dropped.
 */
final class Verifier {
  private final ControlPlane legacy;
  private final ControlPlane controlPlane;
  private final ReadComparator comparator;
  private final Clock clock;
  private final int maxDifferences;
  private final Set<String> shared = new HashSet<>();
  private long reads;
  private long calls;

  Verifier(
      ControlPlane legacy,
      ControlPlane controlPlane,
      ReadComparator comparator,
      Clock clock,
      int maxDifferences) {
    this.legacy = legacy;
    this.controlPlane = controlPlane;
    this.comparator = comparator;
    this.clock = clock;
    this.maxDifferences = maxDifferences;
  }

  VerifyReport verify(List<String> replIds, double threshold) {
    List<VerifyReport.Difference> differences = new ArrayList<>();
    int matching = 0;
    for (String replId : replIds) {
      List<VerifyReport.Difference> found = verifyRepl(replId);
      if (found.isEmpty()) {
        matching++;
      }
      for (VerifyReport.Difference d : found) {
        if (differences.size() < maxDifferences) {
          differences.add(d);
        }
      }
    }
    return new VerifyReport(replIds.size(), matching, reads, threshold, differences, null);
  }

  private List<VerifyReport.Difference> verifyRepl(String replId) {
    CallContext ctx = CallContext.of("import-verify-" + (++calls), clock.instant());
    List<VerifyReport.Difference> found = new ArrayList<>();
    Pair repl = read(p -> p.getRepl(new GetReplRequest(replId), ctx));
    compare(replId, "GetRepl", repl).ifPresent(found::add);
    Pair containers = read(p -> p.listContainers(new ListContainersRequest(replId, null), ctx));
    compare(replId, "ListContainers", containers).ifPresent(found::add);
    Pair resolve = read(p -> p.resolveCluster(new ResolveClusterRequest(replId), ctx));
    compare(replId, "ResolveCluster", resolve).ifPresent(found::add);

    JsonNode replBody = repl.either();
    if (replBody != null) {
      String slug = replBody.path("slug").asText();
      Pair hosting = read(p -> p.getHostingMetadata(new GetHostingMetadataRequest(slug), ctx));
      compare(replId, "GetHostingMetadata", hosting).ifPresent(found::add);
      String cluster = replBody.path("cluster").asText();
      sharedRead(
              "ListMachines " + cluster,
              replId,
              () -> read(p -> p.listMachines(new ListMachinesRequest(cluster), ctx)))
          .ifPresent(found::add);
    }
    Set<String> machines = new LinkedHashSet<>();
    for (JsonNode body : new JsonNode[] {containers.legacyBody(), containers.controlPlaneBody()}) {
      if (body != null) {
        body.path("containers").forEach(c -> machines.add(c.path("machineId").asText()));
      }
    }
    for (String machineId : machines) {
      sharedRead(
              "ListContainers machine " + machineId,
              replId,
              () -> read(p -> p.listContainers(new ListContainersRequest(null, machineId), ctx)))
          .ifPresent(found::add);
    }
    return found;
  }

  /**
   * A read whose result many repls share (their cluster's machines, a machine's containers):
   * compared once, and a difference counted against the first repl that needed it only, so one bad
   * machine does not fail every repl of its cluster.
   */
  private Optional<VerifyReport.Difference> sharedRead(
      String what, String replId, Supplier<Pair> read) {
    if (!shared.add(what)) {
      return Optional.empty();
    }
    String api = what.substring(0, what.indexOf(' '));
    return compare(replId, what, api, read.get());
  }

  private Optional<VerifyReport.Difference> compare(String replId, String api, Pair pair) {
    return compare(replId, api, api, pair);
  }

  private Optional<VerifyReport.Difference> compare(
      String replId, String what, String api, Pair pair) {
    reads++;
    return comparator
        .differences(api, pair.legacy(), pair.controlPlane())
        .map(
            d ->
                new VerifyReport.Difference(
                    replId, what + ": " + d, json(pair.legacy()), json(pair.controlPlane())));
  }

  private Pair read(Function<ControlPlane, Object> call) {
    return new Pair(outcome(legacy, call), outcome(controlPlane, call));
  }

  private static Outcome outcome(ControlPlane plane, Function<ControlPlane, Object> call) {
    try {
      return new Outcome.Answer(ControlApiJson.mapper().valueToTree(call.apply(plane)));
    } catch (ControlPlaneException e) {
      return new Outcome.Error(e.code().name(), e.getMessage());
    } catch (RuntimeException e) {
      return new Outcome.Error("INTERNAL", String.valueOf(e.getMessage()));
    }
  }

  private static String json(Outcome o) {
    return switch (o) {
      case Outcome.Answer a -> a.body().toString();
      case Outcome.Error e ->
          "{\"code\":\"" + e.code() + "\",\"message\":" + quote(e.message()) + "}";
    };
  }

  private static String quote(String s) {
    return ControlApiJson.mapper().getNodeFactory().textNode(s).toString();
  }

  private record Pair(Outcome legacy, Outcome controlPlane) {
    JsonNode legacyBody() {
      return legacy instanceof Outcome.Answer a ? a.body() : null;
    }

    JsonNode controlPlaneBody() {
      return controlPlane instanceof Outcome.Answer a ? a.body() : null;
    }

    /** The legacy answer, else the control plane's, else null. */
    JsonNode either() {
      JsonNode l = legacyBody();
      return l != null ? l : controlPlaneBody();
    }
  }
}
