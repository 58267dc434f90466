package io.strangler.importer;

import java.util.ArrayList;
import java.util.List;

/**
 * The staging tables: one temporary table partitioned by record kind ({@link Stage}), filled by a
 * single binary COPY, with a view per kind naming its columns. Temporary, so they cost no WAL, are
 * private to the import's session and vanish with it whatever happens.
 */
final class StagingSql {
  private StagingSql() {}

  static final String COPY = "COPY stage FROM STDIN (FORMAT binary)";

  static List<String> create() {
    List<String> sql = new ArrayList<>();
    sql.add(
        """
        CREATE TEMP TABLE stage (
          kind int2 NOT NULL,
          k1 text COLLATE "C", k2 text COLLATE "C", k3 text COLLATE "C",
          k4 text COLLATE "C", k5 text COLLATE "C", k6 text COLLATE "C",
          i1 int4, d1 float8, t1 timestamptz, t2 timestamptz, t3 timestamptz
        ) PARTITION BY LIST (kind)""");
    for (Stage s : Stage.values()) {
      sql.add(
          "CREATE TEMP TABLE " + s.table() + " PARTITION OF stage FOR VALUES IN (" + s.id + ")");
    }
    sql.add(
        """
        CREATE TEMP VIEW s_repls AS
          SELECT k1 AS repl_id, k2 AS owner_id, k3 AS slug, k4 AS region, k5 AS cluster,
                 k6 AS pending, t1 AS created_at
          FROM stage_repl""");
    sql.add(
        """
        CREATE TEMP VIEW s_machines AS
          SELECT k1 AS machine_id, k2 AS cluster, k3 AS address, k4 AS state, i1 AS capacity,
                 d1 AS cpu_percent, t1 AS registered_at, t2 AS last_heartbeat_at
          FROM stage_machine""");
    sql.add(
        """
        CREATE TEMP VIEW s_containers AS
          SELECT k1 AS container_id, k2 AS repl_id, k3 AS machine_id, k4 AS cluster, k5 AS state,
                 t1 AS started_at, t2 AS stopped_at
          FROM stage_container""");
    sql.add(
        """
        CREATE TEMP VIEW s_tombstones AS
          SELECT k1 AS repl_id, k2 AS from_cluster, k3 AS to_cluster, t1 AS created_at,
                 t2 AS expires_at
          FROM stage_tombstone""");
    sql.add("CREATE TEMP VIEW s_slugs AS SELECT k1 AS slug, k2 AS repl_id FROM stage_slug");
    sql.add(
        "CREATE TEMP VIEW s_currents AS SELECT k1 AS repl_id, k2 AS container_id FROM stage_current");
    sql.add(
        """
        CREATE TEMP VIEW s_repl_containers AS
          SELECT k1 AS repl_id, k2 AS container_id, t1 AS started_at FROM stage_repl_container""");
    sql.add(
        """
        CREATE TEMP VIEW s_machine_containers AS
          SELECT k1 AS machine_id, k2 AS container_id, t1 AS started_at
          FROM stage_machine_container""");
    sql.add(
        """
        CREATE TEMP VIEW s_running AS
          SELECT k1 AS machine_id, k2 AS container_id FROM stage_machine_running""");
    sql.add(
        """
        CREATE TEMP VIEW s_cluster_machines AS
          SELECT k1 AS cluster, k2 AS machine_id FROM stage_cluster_machine""");
    sql.add("CREATE TEMP VIEW s_regions AS SELECT k1 AS region FROM stage_region");
    sql.add(
        """
        CREATE TEMP VIEW s_region_clusters AS
          SELECT k1 AS region, k2 AS cluster FROM stage_region_cluster""");
    sql.add(
        """
        CREATE TEMP TABLE sql_rejects (
          key text NOT NULL, reason text NOT NULL, detail text)""");
    return sql;
  }

  /**
   * Drops repeated rows, which a SCAN may yield (a key returned twice). An RDB file holds each key
   * once, so this runs for live sources only.
   */
  static List<String> dedupe() {
    List<String> sql = new ArrayList<>();
    for (Stage s : Stage.values()) {
      String t = s.table();
      sql.add("CREATE TEMP TABLE dedupe AS SELECT DISTINCT * FROM " + t);
      sql.add("TRUNCATE " + t);
      sql.add("INSERT INTO " + t + " SELECT * FROM dedupe");
      sql.add("DROP TABLE dedupe");
    }
    return sql;
  }
}
