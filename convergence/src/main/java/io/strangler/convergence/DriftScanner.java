package io.strangler.convergence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.DiffRulesFile;
import io.strangler.diff.ApiRules;
import io.strangler.diff.DiffRules;
import io.strangler.diff.FieldDiff;
import io.strangler.diff.JsonDiff;
import io.strangler.importer.EntityKeys;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Compares both stores entity by entity, streaming: memory holds one batch per store, whatever the
 * data's size. Per entity type, two passes:
 *
 * <ol>
 *   <li>SCAN the legacy keys of the type, a batch of ids at a time; read the batch from both stores
 *       (one pipeline, one query per table) and compare each entity's canonical JSON with the diff
 *       engine ({@link JsonDiff}). An id the new store lacks is "only in legacy".
 *   <li>Page the new store's ids in key order (keyset, never OFFSET); the ones the legacy store
 *       lacks are "only in new". Ids both hold were compared in the first pass.
 * </ol>
 *
 * <p>SCAN returns every key that exists for the whole scan at least once; it may return a key
 * twice, which then counts twice. Entities written while the scan runs may or may not be seen: a
 * scan of a serving system is a sample of moments, which is why repair re-reads before it writes.
 */
public final class DriftScanner {
  static final int DEFAULT_BATCH = 500;

  /** What to scan and how fast. {@code sample} 0 means everything; {@code rate} 0 no limit. */
  public record Options(Set<EntityType> types, long sample, double rate, int batch, int examples) {
    public Options {
      Objects.requireNonNull(types, "types");
      if (types.isEmpty()) {
        throw new IllegalArgumentException("name at least one entity type to scan");
      }
      if (sample < 0) {
        throw new IllegalArgumentException("--sample must be >= 0, got " + sample);
      }
      if (rate < 0) {
        throw new IllegalArgumentException("--rate must be >= 0, got " + rate);
      }
      if (batch < 1 || batch > 10_000) {
        throw new IllegalArgumentException("batch must be in 1..10000, got " + batch);
      }
      types = Set.copyOf(types);
    }

    public static Options all() {
      return new Options(Set.of(EntityType.values()), 0, 0, DEFAULT_BATCH, 5);
    }
  }

  /** Told about each differing entity as the scan finds it (repair acts on it right away). */
  public interface Listener {
    Listener NONE = (ref, kind, diffs) -> {};

    void drift(EntityRef ref, DriftReport.Kind kind, List<FieldDiff> diffs);
  }

  /** Told how far the scan got: entities compared so far, over all types. */
  public interface Progress {
    Progress NONE = (type, scanned) -> {};

    void scanned(EntityType type, long scannedSoFar);
  }

  private final JedisPool redis;
  private final DataSource pg;
  private final Clock clock;
  private final LegacyStore legacy;
  private final NewStore store;

  public DriftScanner(JedisPool redis, DataSource pg, Clock clock) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.pg = Objects.requireNonNull(pg, "pg");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.legacy = new LegacyStore(clock);
    this.store = new NewStore(clock);
  }

  public DriftReport scan(Options o) throws SQLException {
    return scan(o, Listener.NONE, Progress.NONE);
  }

  /**
   * Scans the types of {@code o} in the order of {@link EntityType}.
   *
   * @throws SQLException when PostgreSQL fails; Redis failures surface as Jedis exceptions
   */
  public DriftReport scan(Options o, Listener listener, Progress progress) throws SQLException {
    long start = clock.millis();
    RateLimiter limiter = o.rate() > 0 ? RateLimiter.perSecond(o.rate()) : RateLimiter.unlimited();
    Map<EntityType, DriftReport.TypeReport> out = new EnumMap<>(EntityType.class);
    try (Jedis j = redis.getResource();
        Connection c = pg.getConnection()) {
      c.setAutoCommit(true);
      for (EntityType type : EntityType.values()) {
        if (!o.types().contains(type)) {
          continue;
        }
        DriftReport.Tally tally = new DriftReport.Tally(o.examples());
        ApiRules rules = rulesFor(type);
        legacyPass(j, c, type, o, rules, tally, listener, progress, limiter);
        newPass(j, c, type, o, tally, listener, progress, limiter);
        out.put(type, tally.report());
      }
    }
    return new DriftReport(out, clock.millis() - start);
  }

  /** The diff engine's rules: the contract's tolerance for cpuPercent, exact elsewhere. */
  static ApiRules rulesFor(EntityType type) {
    return Rules.CONTROL_API.forApi(type == EntityType.MACHINES ? "Heartbeat" : "GetRepl");
  }

  private void legacyPass(
      Jedis j,
      Connection c,
      EntityType type,
      Options o,
      ApiRules rules,
      DriftReport.Tally tally,
      Listener listener,
      Progress progress,
      RateLimiter limiter)
      throws SQLException {
    ScanParams params = new ScanParams().match(type.legacy.scanPattern()).count(1_000);
    String cursor = ScanParams.SCAN_POINTER_START;
    Set<String> batch = new LinkedHashSet<>();
    long compared = 0;
    do {
      ScanResult<String> page = j.scan(cursor, params);
      cursor = page.getCursor();
      List<String> secondary = new ArrayList<>();
      for (String key : page.getResult()) {
        EntityKeys.Owner owner = EntityKeys.ownerOf(key);
        if (owner != null && owner.entity() == type.legacy) {
          if (owner.primary()) {
            batch.add(owner.id());
          } else {
            secondary.add(owner.id());
          }
        }
      }
      batch.addAll(withoutPrimary(j, type, secondary));
      boolean last = ScanParams.SCAN_POINTER_START.equals(cursor);
      while (batch.size() >= o.batch() || (last && !batch.isEmpty())) {
        List<String> ids = take(batch, o.batch());
        if (o.sample() > 0 && compared + ids.size() > o.sample()) {
          ids = ids.subList(0, (int) (o.sample() - compared));
        }
        limiter.acquire(ids.size());
        compared += compareBatch(j, c, type, ids, rules, tally, listener);
        progress.scanned(type, tally.scanned);
        if (o.sample() > 0 && compared >= o.sample()) {
          return;
        }
      }
    } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
  }

  /**
   * The ids among {@code ids} (named by index keys such as {@code repl:{id}:current}) whose own
   * record is missing: an entity with its record is counted once, when SCAN returns that key; one
   * without (leftover index keys) is counted from its index keys.
   */
  private static List<String> withoutPrimary(Jedis j, EntityType type, List<String> ids) {
    if (ids.isEmpty()) {
      return ids;
    }
    var p = j.pipelined();
    List<redis.clients.jedis.Response<Boolean>> rs = new ArrayList<>(ids.size());
    for (String id : ids) {
      rs.add(p.exists(EntityKeys.keysOf(type.legacy, id).get(0)));
    }
    p.sync();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      if (!rs.get(i).get()) {
        out.add(ids.get(i));
      }
    }
    return out;
  }

  private static List<String> take(Set<String> batch, int n) {
    List<String> ids = new ArrayList<>(Math.min(n, batch.size()));
    var it = batch.iterator();
    while (it.hasNext() && ids.size() < n) {
      ids.add(it.next());
      it.remove();
    }
    return ids;
  }

  private long compareBatch(
      Jedis j,
      Connection c,
      EntityType type,
      List<String> ids,
      ApiRules rules,
      DriftReport.Tally tally,
      Listener listener)
      throws SQLException {
    Map<String, ObjectNode> l = legacy.read(j, type, ids);
    Map<String, ObjectNode> n = store.read(c, type, ids);
    long compared = 0;
    for (String id : ids) {
      ObjectNode a = l.get(id);
      if (a == null) {
        // Gone from legacy since the SCAN saw a key (or an expired tombstone): the second pass
        // counts it if the new store still has it.
        continue;
      }
      compared++;
      tally.scanned++;
      ObjectNode b = n.get(id);
      EntityRef ref = new EntityRef(type, id);
      if (b == null) {
        drift(tally, listener, ref, DriftReport.Kind.ONLY_IN_LEGACY, List.of());
        continue;
      }
      List<FieldDiff> diffs = JsonDiff.diff(a, b, rules);
      if (diffs.isEmpty()) {
        tally.equal++;
      } else {
        drift(tally, listener, ref, DriftReport.Kind.DIFFERENT, diffs);
      }
    }
    return compared;
  }

  private void newPass(
      Jedis j,
      Connection c,
      EntityType type,
      Options o,
      DriftReport.Tally tally,
      Listener listener,
      Progress progress,
      RateLimiter limiter)
      throws SQLException {
    String after = null;
    long seen = 0;
    while (true) {
      int limit = o.batch();
      if (o.sample() > 0) {
        limit = (int) Math.min(limit, o.sample() - seen);
        if (limit <= 0) {
          return;
        }
      }
      List<String> ids = store.idsAfter(c, type, after, limit);
      if (ids.isEmpty()) {
        return;
      }
      limiter.acquire(ids.size());
      seen += ids.size();
      after = ids.get(ids.size() - 1);
      Set<String> there = legacy.existing(j, type, ids);
      for (String id : ids) {
        if (!there.contains(id)) {
          tally.scanned++;
          drift(tally, listener, new EntityRef(type, id), DriftReport.Kind.ONLY_IN_NEW, List.of());
        }
      }
      progress.scanned(type, tally.scanned);
    }
  }

  private static void drift(
      DriftReport.Tally tally,
      Listener listener,
      EntityRef ref,
      DriftReport.Kind kind,
      List<FieldDiff> diffs) {
    List<FieldDiff> shown = kind == DriftReport.Kind.DIFFERENT ? diffs : List.of();
    tally.add(new DriftReport.Example(ref.id(), kind, shown));
    listener.drift(ref, kind, shown);
  }

  private static final class Rules {
    static final DiffRules CONTROL_API = DiffRules.load(DiffRulesFile.url());
  }
}
