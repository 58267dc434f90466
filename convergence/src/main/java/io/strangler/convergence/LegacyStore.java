package io.strangler.convergence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.importer.EntityKeys;
import io.strangler.legacy.LegacyKeys;
import io.strangler.legacy.LegacyKeys.Field;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.resps.Tuple;

/**
 * Reads entities from the legacy Redis layout (docs/legacy-redis-layout.md) as canonical docs
 * ({@link Docs}), many per round trip: one pipeline per batch. Works on a connection the caller
 * holds, so the sync can read under its own WATCH.
 */
final class LegacyStore {
  private final Clock clock;

  LegacyStore(Clock clock) {
    this.clock = clock;
  }

  /** The docs of the entities of {@code ids} that exist; absent ones are left out. */
  Map<String, ObjectNode> read(Jedis j, EntityType type, List<String> ids) {
    return switch (type) {
      case REPLS -> repls(j, ids);
      case MACHINES -> machines(j, ids);
      case CONTAINERS -> containers(j, ids);
      case TOMBSTONES -> tombstones(j, ids);
      case SLUGS -> slugs(j, ids);
    };
  }

  /**
   * The ids among {@code ids} the legacy store holds any key of: for the scan's second pass, which
   * only asks whether an entity the new store has is missing here. Tombstones are read in full,
   * since an expired one counts as absent.
   */
  Set<String> existing(Jedis j, EntityType type, List<String> ids) {
    if (type == EntityType.TOMBSTONES) {
      return tombstones(j, ids).keySet();
    }
    Pipeline p = j.pipelined();
    List<Response<Long>> rs = new ArrayList<>(ids.size());
    for (String id : ids) {
      rs.add(p.exists(EntityKeys.keysOf(type.legacy, id).toArray(String[]::new)));
    }
    p.sync();
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < ids.size(); i++) {
      if (rs.get(i).get() > 0) {
        out.add(ids.get(i));
      }
    }
    return out;
  }

  private Map<String, ObjectNode> repls(Jedis j, List<String> ids) {
    Pipeline p = j.pipelined();
    List<Response<Map<String, String>>> hashes = new ArrayList<>(ids.size());
    List<Response<String>> currents = new ArrayList<>(ids.size());
    List<Response<List<String>>> lists = new ArrayList<>(ids.size());
    for (String id : ids) {
      hashes.add(p.hgetAll(LegacyKeys.repl(id)));
      currents.add(p.get(LegacyKeys.replCurrent(id)));
      lists.add(p.zrange(LegacyKeys.replContainers(id), 0, -1));
    }
    p.sync();
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      Map<String, String> h = hashes.get(i).get();
      String current = currents.get(i).get();
      List<String> containers = lists.get(i).get();
      if (h.isEmpty() && current == null && containers.isEmpty()) {
        continue;
      }
      ObjectNode d = Docs.object();
      d.put("replId", ids.get(i));
      d.set("ownerId", Docs.text(h.get(Field.OWNER_ID)));
      d.set("slug", Docs.text(h.get(Field.SLUG)));
      d.set("region", Docs.text(h.get(Field.REGION)));
      d.set("cluster", Docs.text(h.get(Field.CLUSTER)));
      d.set("pendingTransferTo", Docs.text(h.get(Field.PENDING_TRANSFER_TO)));
      d.set("createdAt", Docs.legacyLong(h.get(Field.CREATED_AT)));
      if (!h.isEmpty() && !ids.get(i).equals(h.get(Field.REPL_ID))) {
        d.set("hashReplId", Docs.text(h.get(Field.REPL_ID)));
      }
      d.set("current", Docs.text(current));
      d.set("containers", Docs.ids(containers));
      out.put(ids.get(i), d);
    }
    return out;
  }

  private Map<String, ObjectNode> machines(Jedis j, List<String> ids) {
    Pipeline p = j.pipelined();
    List<Response<Map<String, String>>> hashes = new ArrayList<>(ids.size());
    List<Response<Set<String>>> running = new ArrayList<>(ids.size());
    List<Response<List<String>>> lists = new ArrayList<>(ids.size());
    for (String id : ids) {
      hashes.add(p.hgetAll(LegacyKeys.machine(id)));
      running.add(p.smembers(LegacyKeys.machineRunning(id)));
      lists.add(p.zrange(LegacyKeys.machineContainers(id), 0, -1));
    }
    p.sync();
    // Whether ListMachines shows it: the cluster's set, named by the hash's cluster.
    Pipeline p2 = j.pipelined();
    List<Response<Boolean>> listed = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      String cluster = hashes.get(i).get().get(Field.CLUSTER);
      listed.add(
          cluster == null ? null : p2.sismember(LegacyKeys.clusterMachines(cluster), ids.get(i)));
    }
    p2.sync();
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      Map<String, String> h = hashes.get(i).get();
      Set<String> run = running.get(i).get();
      List<String> containers = lists.get(i).get();
      if (h.isEmpty() && run.isEmpty() && containers.isEmpty()) {
        continue;
      }
      ObjectNode d = Docs.object();
      d.put("machineId", ids.get(i));
      d.set("cluster", Docs.text(h.get(Field.CLUSTER)));
      d.set("address", Docs.text(h.get(Field.ADDRESS)));
      d.set("capacity", Docs.legacyLong(h.get(Field.CAPACITY)));
      d.set("state", Docs.text(h.get(Field.STATE)));
      d.set("cpuPercent", Docs.legacyDouble(h.get(Field.CPU_PERCENT)));
      d.set("registeredAt", Docs.legacyLong(h.get(Field.REGISTERED_AT)));
      d.set("lastHeartbeatAt", Docs.legacyLong(h.get(Field.LAST_HEARTBEAT_AT)));
      d.put("runningContainers", (long) run.size());
      d.set("running", Docs.ids(new TreeSet<>(run)));
      d.set("containers", Docs.ids(containers));
      d.put("listed", listed.get(i) != null && listed.get(i).get());
      out.put(ids.get(i), d);
    }
    return out;
  }

  private Map<String, ObjectNode> containers(Jedis j, List<String> ids) {
    Pipeline p = j.pipelined();
    List<Response<Map<String, String>>> hashes = new ArrayList<>(ids.size());
    for (String id : ids) {
      hashes.add(p.hgetAll(LegacyKeys.container(id)));
    }
    p.sync();
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      Map<String, String> h = hashes.get(i).get();
      if (h.isEmpty()) {
        continue;
      }
      ObjectNode d = Docs.object();
      d.put("containerId", ids.get(i));
      d.set("replId", Docs.text(h.get(Field.REPL_ID)));
      d.set("machineId", Docs.text(h.get(Field.MACHINE_ID)));
      d.set("cluster", Docs.text(h.get(Field.CLUSTER)));
      d.set("state", Docs.text(h.get(Field.STATE)));
      d.set("startedAt", Docs.legacyLong(h.get(Field.STARTED_AT)));
      d.set("stoppedAt", Docs.legacyLong(h.get(Field.STOPPED_AT)));
      out.put(ids.get(i), d);
    }
    return out;
  }

  private Map<String, ObjectNode> tombstones(Jedis j, List<String> ids) {
    Pipeline p = j.pipelined();
    List<Response<Map<String, String>>> hashes = new ArrayList<>(ids.size());
    for (String id : ids) {
      hashes.add(p.hgetAll(LegacyKeys.tombstone(id)));
    }
    p.sync();
    long now = clock.millis();
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      Map<String, String> h = hashes.get(i).get();
      if (h.isEmpty()) {
        continue;
      }
      ObjectNode d = Docs.object();
      d.put("replId", ids.get(i));
      d.set("from", Docs.text(h.get(Field.FROM)));
      d.set("to", Docs.text(h.get(Field.TO)));
      d.set("createdAt", Docs.legacyLong(h.get(Field.CREATED_AT)));
      d.set("expiresAt", Docs.legacyLong(h.get(Field.EXPIRES_AT)));
      // Reads treat a tombstone whose expiresAt is not after now as gone, whether or not Redis
      // has removed the key yet (docs/legacy-redis-layout.md).
      if (d.get("expiresAt").isNumber() && d.get("expiresAt").longValue() <= now) {
        continue;
      }
      out.put(ids.get(i), d);
    }
    return out;
  }

  private Map<String, ObjectNode> slugs(Jedis j, List<String> ids) {
    Pipeline p = j.pipelined();
    List<Response<String>> owners = new ArrayList<>(ids.size());
    for (String id : ids) {
      owners.add(p.get(LegacyKeys.slug(id)));
    }
    p.sync();
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      String owner = owners.get(i).get();
      if (owner == null) {
        continue;
      }
      ObjectNode d = Docs.object();
      d.put("slug", ids.get(i));
      d.put("replId", owner);
      out.put(ids.get(i), d);
    }
    return out;
  }

  /** The startedAt scores of a sorted set's members: the legacy container indexes. */
  static Map<String, Long> scores(Jedis j, String zsetKey) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Tuple t : j.zrangeWithScores(zsetKey, 0, -1)) {
      out.put(t.getElement(), (long) t.getScore());
    }
    return out;
  }
}
