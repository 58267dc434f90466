package io.strangler.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.convergence.DriftReport.Kind;
import io.strangler.convergence.DriftReport.TypeReport;
import io.strangler.servers.RealServers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/**
 * The scan on two stores seeded alike (seed, then import): no false difference; every difference
 * written straight into either store (entities no traffic touches) is found, under the right type
 * and kind; repair from either side makes the stores equal again.
 */
@ExtendWith(RealServers.class)
class DriftScanTest {
  private static final int REPLS = 800;

  @Test
  void identicalStores_scanFindsNoDifference(RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, REPLS, 16)) {
      DriftReport report = twin.scan();

      assertThat(report.hasDrift()).as(report.toText()).isFalse();
      assertThat(report.types().get(EntityType.REPLS).scanned()).isEqualTo(REPLS);
      assertThat(report.types().get(EntityType.SLUGS).equal()).isEqualTo(REPLS);
      assertThat(report.types().get(EntityType.MACHINES).equal()).isEqualTo(16);
      assertThat(report.types().get(EntityType.CONTAINERS).scanned()).isPositive();
      assertThat(report.types().get(EntityType.TOMBSTONES).scanned()).isPositive();
    }
  }

  @Test
  void differencesSeededIntoEitherStore_areAllFound_andRepairFromEitherSideRemovesThem(
      RealServers.RedisDb redis, RealServers.PostgresDb pg) {
    try (TwinStores twin = TwinStores.seed(redis, pg, REPLS, 16)) {
      Seeded s = seedDifferences(twin);

      DriftReport report = twin.scan();

      assertFound(report, s);

      DriftRepair.Report fromLegacy = twin.repair(Side.LEGACY);
      assertThat(fromLegacy.count(DriftRepair.Outcome.FAILED)).as(fromLegacy.toText()).isZero();
      DriftReport after = twin.scan();
      assertThat(after.hasDrift()).as(after.toText()).isFalse();
      try (Jedis j = twin.redis()) {
        // Legacy was the source: its values stand.
        assertThat(j.hget("repl:" + s.legacyOwnerChanged, "ownerId")).isEqualTo("owner-changed");
      }

      Seeded again = seedDifferences(twin);
      assertFound(twin.scan(), again);
      DriftRepair.Report fromNew = twin.repair(Side.NEW);
      assertThat(fromNew.count(DriftRepair.Outcome.FAILED)).as(fromNew.toText()).isZero();
      DriftReport afterNew = twin.scan();
      assertThat(afterNew.hasDrift()).as(afterNew.toText()).isFalse();
      try (Jedis j = twin.redis()) {
        // PostgreSQL was the source: the legacy-only repl is gone, the PostgreSQL-only one exists.
        assertThat(j.exists("repl:" + again.onlyLegacyRepl)).isFalse();
        assertThat(j.hget("repl:" + again.onlyNewRepl, "slug")).isEqualTo(again.onlyNewSlug);
        assertThat(j.get("slug:" + again.onlyNewSlug)).isEqualTo(again.onlyNewRepl);
        assertThat(j.hget("repl:" + again.newOwnerChanged, "ownerId")).isEqualTo("owner-pg");
      }
    }
  }

  private static void assertFound(DriftReport report, Seeded s) {
    Map<EntityType, TypeReport> t = report.types();
    assertThat(ids(t.get(EntityType.REPLS), Kind.DIFFERENT))
        .as(report.toText())
        .containsExactlyInAnyOrder(s.legacyOwnerChanged, s.newOwnerChanged);
    assertThat(ids(t.get(EntityType.REPLS), Kind.ONLY_IN_LEGACY)).containsExactly(s.onlyLegacyRepl);
    assertThat(ids(t.get(EntityType.REPLS), Kind.ONLY_IN_NEW)).containsExactly(s.onlyNewRepl);
    assertThat(ids(t.get(EntityType.SLUGS), Kind.ONLY_IN_LEGACY)).containsExactly(s.onlyLegacySlug);
    assertThat(ids(t.get(EntityType.SLUGS), Kind.ONLY_IN_NEW)).containsExactly(s.onlyNewSlug);
    assertThat(ids(t.get(EntityType.MACHINES), Kind.DIFFERENT))
        .containsExactlyInAnyOrder(s.legacyCpuMachine, s.newCapacityMachine);
    assertThat(ids(t.get(EntityType.TOMBSTONES), Kind.ONLY_IN_LEGACY))
        .containsExactly(s.tombstoneGoneFromNew);
    assertThat(ids(t.get(EntityType.CONTAINERS), Kind.DIFFERENT))
        .containsExactly(s.containerStoppedAtChanged);
    assertThat(t.get(EntityType.REPLS).topPaths()).containsKeys("/ownerId");
    assertThat(t.get(EntityType.MACHINES).topPaths()).containsKeys("/cpuPercent", "/capacity");
    assertThat(report.drifted()).isEqualTo(10);
  }

  private static List<String> ids(TypeReport r, Kind kind) {
    List<String> out = new ArrayList<>();
    r.examples().stream().filter(e -> e.kind() == kind).forEach(e -> out.add(e.id()));
    return out;
  }

  /** What {@link #seedDifferences} changed, by id. */
  record Seeded(
      String legacyOwnerChanged,
      String newOwnerChanged,
      String onlyLegacyRepl,
      String onlyLegacySlug,
      String onlyNewRepl,
      String onlyNewSlug,
      String legacyCpuMachine,
      String newCapacityMachine,
      String tombstoneGoneFromNew,
      String containerStoppedAtChanged) {}

  private static int round;

  /**
   * Ten differences, written straight into one store or the other: two changed repl fields, a repl
   * (with its slug) only in each store, a changed machine field in each store, a tombstone only in
   * legacy, a changed container time in PostgreSQL.
   */
  private static Seeded seedDifferences(TwinStores twin) {
    round++;
    try (Jedis j = twin.redis()) {
      List<String> repls = new ArrayList<>(new TreeSet<>(j.keys("repl:repl-*")));
      repls.removeIf(k -> k.chars().filter(ch -> ch == ':').count() != 1);
      String a = repls.get(10 * round).substring(5);
      String b = repls.get(10 * round + 1).substring(5);
      String tombstoned =
          new TreeSet<>(j.keys("tombstone:*"))
              .stream().skip(round).findFirst().orElseThrow().substring(10);
      List<String> stopped = new ArrayList<>();
      for (String key : new TreeSet<>(j.keys("container:*"))) {
        if ("STOPPED".equals(j.hget(key, "state"))) {
          stopped.add(key.substring(10));
        }
      }
      String stoppedContainer = stopped.get(round);
      assertThat(stoppedContainer).isNotNull();

      j.hset("repl:" + a, "ownerId", "owner-changed");
      String onlyLegacy = "repl-only-legacy-" + round;
      String onlyLegacySlug = "only-legacy-" + round;
      Map<String, String> base = j.hgetAll("repl:" + a);
      j.hset(
          "repl:" + onlyLegacy,
          Map.of(
              "replId",
              onlyLegacy,
              "ownerId",
              "o",
              "slug",
              onlyLegacySlug,
              "region",
              base.get("region"),
              "cluster",
              base.get("cluster"),
              "createdAt",
              base.get("createdAt")));
      j.set("slug:" + onlyLegacySlug, onlyLegacy);
      j.hset("machine:m-0000" + (round + 1), "cpuPercent", "12.25");

      String onlyNew = "repl-only-new-" + round;
      String onlyNewSlug = "only-new-" + round;
      twin.sql(
          "UPDATE repls SET owner_id = 'owner-pg' WHERE repl_id = '" + b + "'",
          "INSERT INTO repls (repl_id, owner_id, slug, cluster, created_at)"
              + " SELECT '"
              + onlyNew
              + "', 'o', '"
              + onlyNewSlug
              + "', cluster, created_at"
              + " FROM repls WHERE repl_id = '"
              + a
              + "'",
          "UPDATE machines SET capacity = capacity + 1 WHERE machine_id = 'm-0000"
              + (round + 3)
              + "'",
          "DELETE FROM tombstones WHERE repl_id = '" + tombstoned + "'",
          "UPDATE containers SET stopped_at = stopped_at + interval '1 second'"
              + " WHERE container_id = '"
              + stoppedContainer
              + "'");
      return new Seeded(
          a,
          b,
          onlyLegacy,
          onlyLegacySlug,
          onlyNew,
          onlyNewSlug,
          "m-0000" + (round + 1),
          "m-0000" + (round + 3),
          tombstoned,
          stoppedContainer);
    }
  }
}
