package io.strangler.convergence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads entities from the PostgreSQL control plane (docs/controlplane-schema.md) as canonical docs
 * ({@link Docs}), a batch per statement ({@code = ANY(?)}), and pages ids in key order (keyset
 * pagination on the primary keys, so memory holds one page). Works on a connection the caller
 * holds, so the sync reads inside its own transaction, after its row locks.
 */
final class NewStore {
  private final Clock clock;

  NewStore(Clock clock) {
    this.clock = clock;
  }

  Map<String, ObjectNode> read(Connection c, EntityType type, List<String> ids)
      throws SQLException {
    if (ids.isEmpty()) {
      return Map.of();
    }
    return switch (type) {
      case REPLS -> repls(c, ids);
      case MACHINES -> machines(c, ids);
      case CONTAINERS -> containers(c, ids);
      case TOMBSTONES -> tombstones(c, ids);
      case SLUGS -> slugs(c, ids);
    };
  }

  /** Up to {@code limit} ids after {@code after} (null: from the start), in key order. */
  List<String> idsAfter(Connection c, EntityType type, String after, int limit)
      throws SQLException {
    String sql =
        switch (type) {
          case REPLS -> "SELECT repl_id FROM repls WHERE repl_id > ? ORDER BY repl_id LIMIT ?";
          case MACHINES ->
              "SELECT machine_id FROM machines WHERE machine_id > ? ORDER BY machine_id LIMIT ?";
          case CONTAINERS ->
              "SELECT container_id FROM containers WHERE container_id > ?"
                  + " ORDER BY container_id LIMIT ?";
          case TOMBSTONES ->
              "SELECT repl_id FROM tombstones WHERE repl_id > ? AND expires_at > ?"
                  + " ORDER BY repl_id LIMIT ?";
          case SLUGS -> "SELECT slug FROM repls WHERE slug > ? ORDER BY slug LIMIT ?";
        };
    try (PreparedStatement s = c.prepareStatement(sql)) {
      int i = 1;
      s.setString(i++, after == null ? "" : after);
      if (type == EntityType.TOMBSTONES) {
        s.setTimestamp(i++, new Timestamp(clock.millis()));
      }
      s.setInt(i, limit);
      List<String> out = new ArrayList<>(limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  private Map<String, ObjectNode> repls(Connection c, List<String> ids) throws SQLException {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT r.repl_id, r.owner_id, r.slug, k.region, r.cluster, r.pending_transfer_to,"
                + " r.created_at FROM repls r JOIN clusters k ON k.name = r.cluster"
                + " WHERE r.repl_id = ANY(?)")) {
      s.setArray(1, array(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = Docs.object();
          d.put("replId", rs.getString(1));
          d.put("ownerId", rs.getString(2));
          d.put("slug", rs.getString(3));
          d.put("region", rs.getString(4));
          d.put("cluster", rs.getString(5));
          d.set("pendingTransferTo", Docs.text(rs.getString(6)));
          d.put("createdAt", rs.getTimestamp(7).getTime());
          d.putNull("current");
          d.set("containers", Docs.F.arrayNode());
          out.put(rs.getString(1), d);
        }
      }
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT repl_id, container_id, state FROM containers WHERE repl_id = ANY(?)"
                + " ORDER BY repl_id, started_at, container_id")) {
      s.setArray(1, array(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = out.get(rs.getString(1));
          if (d == null) {
            continue; // a container whose repl row is not visible: cannot happen under the FK
          }
          ((ArrayNode) d.get("containers")).add(rs.getString(2));
          if ("RUNNING".equals(rs.getString(3))) {
            d.put("current", rs.getString(2));
          }
        }
      }
    }
    return out;
  }

  private Map<String, ObjectNode> machines(Connection c, List<String> ids) throws SQLException {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT machine_id, cluster, address, capacity, state, cpu_percent, running_containers,"
                + " registered_at, last_heartbeat_at FROM machines WHERE machine_id = ANY(?)")) {
      s.setArray(1, array(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = Docs.object();
          d.put("machineId", rs.getString(1));
          d.put("cluster", rs.getString(2));
          d.put("address", rs.getString(3));
          d.put("capacity", (long) rs.getInt(4));
          d.put("state", rs.getString(5));
          d.put("cpuPercent", rs.getDouble(6));
          d.put("registeredAt", rs.getTimestamp(8).getTime());
          d.put("lastHeartbeatAt", rs.getTimestamp(9).getTime());
          d.put("runningContainers", (long) rs.getInt(7));
          d.set("running", Docs.F.arrayNode());
          d.set("containers", Docs.F.arrayNode());
          d.put("listed", true);
          out.put(rs.getString(1), d);
        }
      }
    }
    Map<String, TreeSet<String>> running = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT machine_id, container_id, state FROM containers WHERE machine_id = ANY(?)"
                + " ORDER BY machine_id, started_at, container_id")) {
      s.setArray(1, array(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = out.get(rs.getString(1));
          if (d == null) {
            continue;
          }
          ((ArrayNode) d.get("containers")).add(rs.getString(2));
          if ("RUNNING".equals(rs.getString(3))) {
            running.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2));
          }
        }
      }
    }
    running.forEach((m, set) -> out.get(m).set("running", Docs.ids(set)));
    return out;
  }

  private Map<String, ObjectNode> containers(Connection c, List<String> ids) throws SQLException {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT container_id, repl_id, machine_id, cluster, state, started_at, stopped_at"
                + " FROM containers WHERE container_id = ANY(?)")) {
      s.setArray(1, array(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = Docs.object();
          d.put("containerId", rs.getString(1));
          d.put("replId", rs.getString(2));
          d.put("machineId", rs.getString(3));
          d.put("cluster", rs.getString(4));
          d.put("state", rs.getString(5));
          d.put("startedAt", rs.getTimestamp(6).getTime());
          Timestamp stopped = rs.getTimestamp(7);
          if (stopped == null) {
            d.putNull("stoppedAt");
          } else {
            d.put("stoppedAt", stopped.getTime());
          }
          out.put(rs.getString(1), d);
        }
      }
    }
    return out;
  }

  private Map<String, ObjectNode> tombstones(Connection c, List<String> ids) throws SQLException {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT repl_id, from_cluster, to_cluster, created_at, expires_at FROM tombstones"
                + " WHERE repl_id = ANY(?) AND expires_at > ?")) {
      s.setArray(1, array(c, ids));
      s.setTimestamp(2, new Timestamp(clock.millis()));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = Docs.object();
          d.put("replId", rs.getString(1));
          d.put("from", rs.getString(2));
          d.put("to", rs.getString(3));
          d.put("createdAt", rs.getTimestamp(4).getTime());
          d.put("expiresAt", rs.getTimestamp(5).getTime());
          out.put(rs.getString(1), d);
        }
      }
    }
    return out;
  }

  private Map<String, ObjectNode> slugs(Connection c, List<String> ids) throws SQLException {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement("SELECT slug, repl_id FROM repls WHERE slug = ANY(?)")) {
      s.setArray(1, array(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ObjectNode d = Docs.object();
          d.put("slug", rs.getString(1));
          d.put("replId", rs.getString(2));
          out.put(rs.getString(1), d);
        }
      }
    }
    return out;
  }

  /** The startedAt of each container on a machine, for rebuilding the legacy machine index. */
  static Map<String, Long> machineContainerScores(Connection c, String machineId)
      throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT container_id, started_at FROM containers WHERE machine_id = ?"
                + " ORDER BY started_at, container_id")) {
      s.setString(1, machineId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getTimestamp(2).getTime());
        }
      }
    }
    return out;
  }

  static Array array(Connection c, List<String> ids) throws SQLException {
    return c.createArrayOf("text", ids.toArray());
  }
}
