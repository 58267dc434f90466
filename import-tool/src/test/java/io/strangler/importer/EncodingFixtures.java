package io.strangler.importer;

import io.strangler.api.CallContext;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.legacy.LegacyKeys;
import io.strangler.legacy.LegacyRedisControlPlane;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records that make Redis pick every encoding the RDB parser must read, written through the legacy
 * backend itself (so they are consistent legacy data): numeric machine ids (an intset), a hash with
 * a long value (a hashtable), a repl with 130 containers (skiplist sorted sets), a numeric replId
 * (an int-encoded string), next to the small hashes and sorted sets of the seed (ziplist in Redis
 * 6, listpack in Redis 7) and the large string sets (hashtable).
 */
final class EncodingFixtures {
  static final String CLUSTER = "region-1-c9";
  static final String BIG_REPL = "repl-big";
  static final String NUMERIC_REPL = "424242";

  private EncodingFixtures() {}

  /** Adds the records; answers key -> the encodings Redis may give it (6.2 or 7.x names). */
  static Map<String, List<String>> addTo(String redisUri, Instant now) {
    try (LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redisUri, 2)) {
      Topology t = legacy.topology();
      Map<String, List<String>> regions = new LinkedHashMap<>(t.regions());
      List<String> c1 = new java.util.ArrayList<>(regions.get("region-1"));
      c1.add(CLUSTER);
      regions.put("region-1", c1);
      legacy.applyTopology(new Topology(regions));
      Instant at = now.minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
      int call = 0;
      for (String m : List.of("1001", "1002", "1003")) {
        legacy.registerMachine(
            new RegisterMachineRequest(m, CLUSTER, "10.9.0." + m.substring(3), 1000),
            ctx(++call, at));
      }
      String owner = "owner-" + "x".repeat(90);
      for (String replId : List.of(BIG_REPL, NUMERIC_REPL)) {
        legacy.createRepl(
            new CreateReplRequest(replId, owner, "slug-" + replId, "region-1"), ctx(++call, at));
        legacy.transferRepl(new TransferReplRequest(replId, CLUSTER, false), ctx(++call, at));
      }
      for (int i = 0; i < 130; i++) {
        Instant t0 = at.plusSeconds(i);
        var started = legacy.connectRepl(new ConnectReplRequest(BIG_REPL), ctx(++call, t0));
        if (i < 129) {
          legacy.stopContainer(
              new StopContainerRequest(started.container().containerId()),
              ctx(++call, t0.plusMillis(500)));
        }
      }
      legacy.connectRepl(new ConnectReplRequest(NUMERIC_REPL), ctx(++call, at));
    }
    return Map.of(
        LegacyKeys.clusterMachines(CLUSTER), List.of("intset"),
        LegacyKeys.clusterMachines("region-1-c1"), List.of("hashtable"),
        LegacyKeys.repl(BIG_REPL), List.of("hashtable"),
        LegacyKeys.replContainers(BIG_REPL), List.of("skiplist"),
        LegacyKeys.slug("slug-" + NUMERIC_REPL), List.of("int"),
        LegacyKeys.repl("repl-00000001"), List.of("ziplist", "listpack"),
        LegacyKeys.tombstone(BIG_REPL), List.of("ziplist", "listpack"));
  }

  private static CallContext ctx(int n, Instant at) {
    return CallContext.of("fixture-" + n, at);
  }
}
