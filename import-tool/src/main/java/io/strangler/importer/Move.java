package io.strangler.importer;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of one import's transaction, run in order by {@link #run}: lock, empty or truncate, drop
 * indexes (bulk modes), then per entity a classification query whose rows either go to {@code
 * sql_rejects} with a reason or into the live table, then derived columns, index rebuild, and
 * reports on index records that disagree with the entities.
 *
 * <p>Entities are classified in reference order (topology, repls, machines, containers,
 * tombstones), each against the live rows already accepted, so a rejected repl takes its containers
 * and tombstone with it (as {@code dangling_repl}).
 */
final class Move {
  private final PostgresLoader db;
  private final ImportMode mode;
  private final boolean merge;
  private final EnumMap<Stage, Long> staged;
  private final PhaseTimer phase;
  private final Keep keep;
  private final Map<String, Long> rows = new LinkedHashMap<>();

  /** Where REPLACE keeps the tables' previous contents: a schema name and a note for it. */
  record Keep(String schema, String note) {}

  Move(
      PostgresLoader db,
      ImportMode mode,
      EnumMap<Stage, Long> staged,
      PhaseTimer phase,
      Keep keep) {
    this.db = db;
    this.mode = mode;
    this.merge = mode == ImportMode.MERGE;
    this.staged = staged;
    this.phase = phase;
    this.keep = keep;
  }

  PostgresLoader.Moved run() throws SQLException {
    phase.start("analyzing the staged rows");
    // Row counts and rough distinct counts are all the bulk joins need: a small sample.
    db.exec("SET default_statistics_target = 10");
    db.exec("ANALYZE stage");

    phase.start("locking the control-plane tables");
    String tables = String.join(", ", PostgresLoader.TABLES);
    db.exec(
        "LOCK TABLE "
            + tables
            + (merge ? " IN SHARE ROW EXCLUSIVE MODE" : " IN ACCESS EXCLUSIVE MODE"));
    String keptIn = null;
    if (mode == ImportMode.EMPTY) {
      db.requireEmpty();
    } else if (mode == ImportMode.REPLACE) {
      // Copied in this transaction, under this lock: the copy is exactly what the load replaces,
      // and it exists if and only if the load commits.
      if (!db.nonEmptyTables().isEmpty()) {
        phase.start("keeping the previous contents");
        keptIn = ReplacedTables.keep(db, keep.schema(), keep.note());
      }
      db.exec("TRUNCATE " + tables);
    }
    Ddl ddl = null;
    if (!merge && !externallyReferenced()) {
      phase.start("dropping indexes for the bulk load");
      ddl = dropIndexes();
    }

    phase.start("checking and loading the topology");
    topology();
    phase.start("checking and loading repls");
    repls();
    phase.start("checking and loading machines");
    machines();
    // The containers are checked against these two: let the planner see their real sizes.
    db.exec("ANALYZE repls, machines");
    phase.start("checking and loading containers");
    containers();
    phase.start("checking and loading tombstones");
    tombstones();
    runningCounts();

    if (ddl != null) {
      phase.start("rebuilding indexes and foreign keys");
      for (String sql : ddl.restore()) {
        db.exec(sql);
      }
    }
    phase.start("checking index records");
    indexReports();
    phase.start("analyzing the control-plane tables");
    db.exec("RESET default_statistics_target");
    db.exec("ANALYZE " + tables);
    phase.stop();
    return new PostgresLoader.Moved(Map.copyOf(rows), keptIn);
  }

  // ---------------------------------------------------------------- topology

  private void topology() throws SQLException {
    db.exec(
        """
        CREATE TEMP TABLE t_clusters AS
        SELECT rc.cluster, min(rc.region) AS region, count(*) AS regions
        FROM s_region_clusters rc
        WHERE EXISTS (SELECT 1 FROM s_regions r WHERE r.region = rc.region)
        GROUP BY rc.cluster""");
    db.exec(
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT 'topology:region:' || rc.region, 'bad_topology',
               'cluster ' || rc.cluster || ' is listed in ' || t.regions || ' regions'
        FROM s_region_clusters rc JOIN t_clusters t ON t.cluster = rc.cluster
        WHERE t.regions > 1""");
    db.exec(
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT DISTINCT 'topology:region:' || rc.region, 'bad_topology',
               'region ' || rc.region || ' is not in topology:regions'
        FROM s_region_clusters rc
        WHERE NOT EXISTS (SELECT 1 FROM s_regions r WHERE r.region = rc.region)""");
    db.exec(
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT 'topology:regions', 'bad_topology', 'region ' || r.region || ' has no clusters'
        FROM s_regions r
        WHERE NOT EXISTS (SELECT 1 FROM s_region_clusters rc WHERE rc.region = r.region)""");
    db.exec("DELETE FROM t_clusters WHERE regions > 1");
    if (merge) {
      // A cluster never moves to another region (docs/control-api.md): the control plane's wins.
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'topology:region:' || t.region, 'bad_topology',
                 'cluster ' || t.cluster || ' is in region ' || l.region || ' in the control plane'
          FROM t_clusters t JOIN clusters l ON l.name = t.cluster
          WHERE l.region <> t.region""");
      db.exec(
          "DELETE FROM t_clusters t USING clusters l"
              + " WHERE l.name = t.cluster AND l.region <> t.region");
    }
    rows.put(
        "regions",
        db.exec(
            "INSERT INTO regions (name) SELECT DISTINCT region FROM t_clusters"
                + (merge ? " ON CONFLICT (name) DO NOTHING" : "")));
    rows.put(
        "clusters",
        db.exec(
            "INSERT INTO clusters (name, region) SELECT cluster, region FROM t_clusters"
                + (merge ? " ON CONFLICT (name) DO NOTHING" : "")));
  }

  // ---------------------------------------------------------------- repls

  private void repls() throws SQLException {
    String classify =
        """
        SELECT r.*, c.region AS cluster_region, s.repl_id AS slug_owner,
          CASE
            WHEN c.cluster IS NULL OR (r.pending IS NOT NULL AND p.cluster IS NULL)
              THEN 'unknown_cluster'
            WHEN c.region <> r.region THEN 'region_mismatch'
            WHEN s.repl_id IS DISTINCT FROM r.repl_id THEN 'slug_conflict'
            %s
          END AS reason
        FROM s_repls r
        LEFT JOIN t_clusters c ON c.cluster = r.cluster
        LEFT JOIN t_clusters p ON p.cluster = r.pending
        LEFT JOIN s_slugs s ON s.slug = r.slug"""
            .formatted(
                merge
                    ? """
                      WHEN EXISTS (SELECT 1 FROM repls l
                                   WHERE l.slug = r.slug AND l.repl_id <> r.repl_id)
                        THEN 'slug_taken'"""
                    : "");
    String reject =
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT 'repl:' || repl_id, reason,
          CASE reason
            WHEN 'unknown_cluster' THEN 'cluster '
              || CASE WHEN cluster_region IS NULL THEN cluster ELSE pending END
              || ' is not in the topology'
            WHEN 'region_mismatch' THEN 'region is ' || region || ' but cluster ' || cluster
              || ' is in region ' || cluster_region
            WHEN 'slug_conflict' THEN 'slug:' || slug
              || COALESCE(' names repl ' || slug_owner, ' is missing')
            WHEN 'slug_taken' THEN 'slug ' || slug
              || ' belongs to another repl in the control plane'
          END
        FROM c WHERE reason IS NOT NULL""";
    String insert =
        """
        INSERT INTO repls (repl_id, owner_id, slug, cluster, pending_transfer_to, created_at)
        SELECT repl_id, owner_id, slug, cluster, pending, created_at FROM c WHERE reason IS NULL"""
            + (merge
                ? """

                  ON CONFLICT (repl_id) DO UPDATE SET owner_id = EXCLUDED.owner_id,
                    slug = EXCLUDED.slug, cluster = EXCLUDED.cluster,
                    pending_transfer_to = EXCLUDED.pending_transfer_to,
                    created_at = EXCLUDED.created_at"""
                : "");
    rows.put("repls", classifyAndMove(classify, reject, List.of(insert)));
  }

  // ---------------------------------------------------------------- machines

  private void machines() throws SQLException {
    String classify =
        """
        SELECT m.*, l.cluster AS live_cluster,
          CASE
            WHEN t.cluster IS NULL THEN 'unknown_cluster'
            WHEN cm.machine_id IS NULL THEN 'machine_not_listed'
            WHEN l.cluster IS NOT NULL AND l.cluster <> m.cluster THEN 'machine_cluster_conflict'
          END AS reason
        FROM s_machines m
        LEFT JOIN t_clusters t ON t.cluster = m.cluster
        LEFT JOIN s_cluster_machines cm
          ON cm.cluster = m.cluster AND cm.machine_id = m.machine_id
        LEFT JOIN machines l ON l.machine_id = m.machine_id""";
    String reject =
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT 'machine:' || machine_id, reason,
          CASE reason
            WHEN 'unknown_cluster' THEN 'cluster ' || cluster || ' is not in the topology'
            WHEN 'machine_not_listed' THEN 'not in cluster:' || cluster || ':machines'
            WHEN 'machine_cluster_conflict' THEN 'registered in cluster ' || live_cluster
              || ' in the control plane'
          END
        FROM c WHERE reason IS NOT NULL""";
    // running_containers is derived: set from the containers once they are in (runningCounts).
    String insert =
        """
        INSERT INTO machines (machine_id, cluster, address, capacity, state, cpu_percent,
                              running_containers, registered_at, last_heartbeat_at)
        SELECT machine_id, cluster, address, capacity, state, cpu_percent, 0, registered_at,
               last_heartbeat_at
        FROM c WHERE reason IS NULL"""
            + (merge
                ? """

                  ON CONFLICT (machine_id) DO UPDATE SET address = EXCLUDED.address,
                    capacity = EXCLUDED.capacity, state = EXCLUDED.state,
                    cpu_percent = EXCLUDED.cpu_percent, registered_at = EXCLUDED.registered_at,
                    last_heartbeat_at = EXCLUDED.last_heartbeat_at"""
                : "");
    rows.put("machines", classifyAndMove(classify, reject, List.of(insert)));
  }

  // ---------------------------------------------------------------- containers

  private void containers() throws SQLException {
    String classify =
        """
        SELECT x.*, m.cluster AS machine_cluster, rc.started_at AS repl_score,
               mc.started_at AS machine_score, cur.container_id AS current_id,
          CASE
            WHEN r.repl_id IS NULL THEN 'dangling_repl'
            WHEN m.machine_id IS NULL THEN 'dangling_machine'
            WHEN m.cluster <> x.cluster THEN 'cluster_mismatch'
            WHEN rc.started_at IS DISTINCT FROM x.started_at
              OR mc.started_at IS DISTINCT FROM x.started_at THEN 'container_not_listed'
            WHEN x.state = 'RUNNING' AND cur.container_id IS DISTINCT FROM x.container_id
              THEN 'duplicate_running'
            WHEN x.state = 'RUNNING' AND run.container_id IS NULL THEN 'running_set_mismatch'
            %s
          END AS reason
        FROM s_containers x
        LEFT JOIN repls r ON r.repl_id = x.repl_id
        LEFT JOIN machines m ON m.machine_id = x.machine_id
        LEFT JOIN s_repl_containers rc
          ON rc.repl_id = x.repl_id AND rc.container_id = x.container_id
        LEFT JOIN s_machine_containers mc
          ON mc.machine_id = x.machine_id AND mc.container_id = x.container_id
        LEFT JOIN s_currents cur ON cur.repl_id = x.repl_id
        LEFT JOIN s_running run
          ON run.machine_id = x.machine_id AND run.container_id = x.container_id"""
            .formatted(
                merge
                    // Another RUNNING container of the repl, which this import does not stop.
                    ? """
                      WHEN x.state = 'RUNNING' AND EXISTS (
                          SELECT 1 FROM containers l
                          WHERE l.repl_id = x.repl_id AND l.state = 'RUNNING'
                            AND l.container_id <> x.container_id
                            AND NOT EXISTS (SELECT 1 FROM s_containers y
                                            WHERE y.container_id = l.container_id
                                              AND y.state = 'STOPPED'))
                        THEN 'running_conflict'"""
                    : "");
    String reject =
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT 'container:' || container_id, reason,
          CASE reason
            WHEN 'dangling_repl' THEN 'repl ' || repl_id || ' is not imported'
            WHEN 'dangling_machine' THEN 'machine ' || machine_id || ' is not imported'
            WHEN 'cluster_mismatch' THEN 'cluster is ' || cluster || ' but machine '
              || machine_id || ' is in cluster ' || machine_cluster
            WHEN 'container_not_listed' THEN
              CASE
                WHEN repl_score IS NULL THEN 'not in repl:' || repl_id || ':containers'
                WHEN machine_score IS NULL THEN 'not in machine:' || machine_id || ':containers'
                ELSE 'its score in a container index is not its startedAt'
              END
            WHEN 'duplicate_running' THEN 'RUNNING, but repl:' || repl_id || ':current '
              || COALESCE('names ' || current_id, 'is missing')
            WHEN 'running_set_mismatch' THEN 'RUNNING, but not in machine:' || machine_id
              || ':running'
            WHEN 'running_conflict' THEN 'repl ' || repl_id
              || ' has another RUNNING container in the control plane'
          END
        FROM c WHERE reason IS NOT NULL""";
    String columns = "container_id, repl_id, machine_id, cluster, state, started_at, stopped_at";
    String upsert =
        """

        ON CONFLICT (container_id) DO UPDATE SET repl_id = EXCLUDED.repl_id,
          machine_id = EXCLUDED.machine_id, cluster = EXCLUDED.cluster, state = EXCLUDED.state,
          started_at = EXCLUDED.started_at, stopped_at = EXCLUDED.stopped_at""";
    List<String> inserts =
        merge
            // Stops before starts: a container the backup has stopped frees its repl's RUNNING
            // slot before another takes it, and the one-running index checks row by row.
            ? List.of(
                "INSERT INTO containers ("
                    + columns
                    + ") SELECT "
                    + columns
                    + " FROM c WHERE reason IS NULL AND state = 'STOPPED'"
                    + upsert,
                "INSERT INTO containers ("
                    + columns
                    + ") SELECT "
                    + columns
                    + " FROM c WHERE reason IS NULL AND state = 'RUNNING'"
                    + upsert)
            : List.of(
                "INSERT INTO containers ("
                    + columns
                    + ") SELECT "
                    + columns
                    + " FROM c WHERE reason IS NULL");
    rows.put("containers", classifyAndMove(classify, reject, inserts));
  }

  // ---------------------------------------------------------------- tombstones

  private void tombstones() throws SQLException {
    String classify =
        """
        SELECT t.*, CASE WHEN r.repl_id IS NULL THEN 'dangling_repl' END AS reason
        FROM s_tombstones t LEFT JOIN repls r ON r.repl_id = t.repl_id""";
    String reject =
        """
        INSERT INTO sql_rejects (key, reason, detail)
        SELECT 'tombstone:' || repl_id, reason, 'repl ' || repl_id || ' is not imported'
        FROM c WHERE reason IS NOT NULL""";
    String insert =
        """
        INSERT INTO tombstones (repl_id, from_cluster, to_cluster, created_at, expires_at)
        SELECT repl_id, from_cluster, to_cluster, created_at, expires_at
        FROM c WHERE reason IS NULL"""
            + (merge
                ? """

                  ON CONFLICT (repl_id) DO UPDATE SET from_cluster = EXCLUDED.from_cluster,
                    to_cluster = EXCLUDED.to_cluster, created_at = EXCLUDED.created_at,
                    expires_at = EXCLUDED.expires_at"""
                : "");
    rows.put("tombstones", classifyAndMove(classify, reject, List.of(insert)));
  }

  /**
   * Runs a classification once and sends its rows to the rejects and the live table. With one
   * insert, a single statement whose CTE is computed once; MERGE's ordered inserts need the
   * classification kept in a temporary table, since the parts of one statement run in no set order.
   */
  private long classifyAndMove(String classify, String reject, List<String> inserts)
      throws SQLException {
    if (inserts.size() == 1) {
      return db.exec(
          "WITH c AS MATERIALIZED ("
              + classify
              + "),\nrejected AS ("
              + reject
              + ")\n"
              + inserts.get(0));
    }
    db.exec("CREATE TEMP TABLE c AS " + classify);
    db.exec(reject);
    long n = 0;
    for (String insert : inserts) {
      n += db.exec(insert);
    }
    db.exec("DROP TABLE c");
    return n;
  }

  // ---------------------------------------------------------------- derived

  /** machines.running_containers: the RUNNING containers on each machine, counted, not copied. */
  private void runningCounts() throws SQLException {
    db.exec(
        """
        UPDATE machines m SET running_containers = x.n
        FROM (SELECT m2.machine_id, count(c.container_id) AS n
              FROM machines m2
              LEFT JOIN containers c ON c.machine_id = m2.machine_id AND c.state = 'RUNNING'
              GROUP BY m2.machine_id) x
        WHERE x.machine_id = m.machine_id AND m.running_containers <> x.n""");
  }

  // ---------------------------------------------------------------- index records

  /**
   * Reports index records (slug keys, container indexes, running sets, machine sets, current
   * pointers) that name nothing of the backup. Each accepted entity matched exactly one index
   * record of each kind, so when the counts agree there is nothing to report and the anti-join is
   * skipped: the usual case costs one comparison.
   */
  private void indexReports() throws SQLException {
    long repls = rows.get("repls");
    long machines = rows.get("machines");
    long containers = rows.get("containers");
    long running = merge ? -1 : db.count("SELECT count(*) FROM containers WHERE state = 'RUNNING'");
    if (merge || staged.get(Stage.SLUG) != repls) {
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'slug:' || s.slug, 'dangling_slug',
                 'names repl ' || s.repl_id || COALESCE(', whose slug is ' || r.slug,
                                                       ', which is absent or malformed')
          FROM s_slugs s LEFT JOIN s_repls r ON r.repl_id = s.repl_id
          WHERE r.repl_id IS NULL OR r.slug <> s.slug""");
    }
    if (merge || staged.get(Stage.CURRENT) != running) {
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'repl:' || cur.repl_id || ':current', 'dangling_container',
                 'names container ' || cur.container_id || ', which is not one of the repl''s'
          FROM s_currents cur
          WHERE NOT EXISTS (SELECT 1 FROM s_containers x
                            WHERE x.container_id = cur.container_id
                              AND x.repl_id = cur.repl_id)""");
    }
    if (merge || staged.get(Stage.REPL_CONTAINER) != containers) {
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'repl:' || rc.repl_id || ':containers', 'dangling_container',
                 'member ' || rc.container_id || ' is no container of the repl'
          FROM s_repl_containers rc
          WHERE NOT EXISTS (SELECT 1 FROM s_containers x
                            WHERE x.container_id = rc.container_id
                              AND x.repl_id = rc.repl_id)""");
    }
    if (merge || staged.get(Stage.MACHINE_CONTAINER) != containers) {
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'machine:' || mc.machine_id || ':containers', 'dangling_container',
                 'member ' || mc.container_id || ' is no container of the machine'
          FROM s_machine_containers mc
          WHERE NOT EXISTS (SELECT 1 FROM s_containers x
                            WHERE x.container_id = mc.container_id
                              AND x.machine_id = mc.machine_id)""");
    }
    if (merge || staged.get(Stage.MACHINE_RUNNING) != running) {
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'machine:' || run.machine_id || ':running', 'stale_running_member',
                 'member ' || run.container_id || ' is no RUNNING container of the machine'
          FROM s_running run
          WHERE NOT EXISTS (SELECT 1 FROM s_containers x
                            WHERE x.container_id = run.container_id
                              AND x.machine_id = run.machine_id AND x.state = 'RUNNING')""");
    }
    if (merge || staged.get(Stage.CLUSTER_MACHINE) != machines) {
      db.exec(
          """
          INSERT INTO sql_rejects (key, reason, detail)
          SELECT 'cluster:' || cm.cluster || ':machines', 'dangling_machine',
                 'member ' || cm.machine_id || ' is no machine of the cluster'
          FROM s_cluster_machines cm
          WHERE NOT EXISTS (SELECT 1 FROM s_machines m
                            WHERE m.machine_id = cm.machine_id AND m.cluster = cm.cluster)""");
    }
  }

  // ---------------------------------------------------------------- bulk-load DDL

  /** Statements that put back what {@link #dropIndexes} took away, in a working order. */
  private record Ddl(List<String> restore) {}

  private static final String OUR_TABLES =
      "(SELECT to_regclass(t) FROM unnest(ARRAY['regions', 'clusters', 'repls', 'machines',"
          + " 'containers', 'tombstones']) AS t)";

  /** True when a table outside the control plane's references one of its tables. */
  private boolean externallyReferenced() throws SQLException {
    return db.count(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid IN "
                + OUR_TABLES
                + " AND conrelid NOT IN "
                + OUR_TABLES)
        > 0;
  }

  private Ddl dropIndexes() throws SQLException {
    List<String[]> constraints =
        db.rows(
            "SELECT contype, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass,"
                + " conname), format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass,"
                + " conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE contype IN"
                + " ('p', 'u', 'f') AND conrelid IN "
                + OUR_TABLES
                + " ORDER BY conrelid, conname",
            3);
    List<String[]> indexes =
        db.rows(
            "SELECT format('DROP INDEX %s', i.indexrelid::regclass),"
                + " pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid IN "
                + OUR_TABLES
                + " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid ="
                + " i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))"
                + " ORDER BY i.indexrelid",
            2);
    List<String> restore = new ArrayList<>();
    // Drop foreign keys before the keys they reference; restore in the opposite order.
    for (String[] c : constraints) {
      if (c[0].equals("f")) {
        db.exec(c[1]);
      }
    }
    for (String[] i : indexes) {
      db.exec(i[0]);
    }
    for (String[] c : constraints) {
      if (!c[0].equals("f")) {
        db.exec(c[1]);
        restore.add(c[2]);
      }
    }
    for (String[] i : indexes) {
      restore.add(i[1]);
    }
    for (String[] c : constraints) {
      if (c[0].equals("f")) {
        restore.add(c[2]);
      }
    }
    return new Ddl(List.copyOf(restore));
  }
}
