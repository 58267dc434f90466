package io.strangler.importer;

import io.strangler.importer.LegacyKey.Kind;
import io.strangler.importer.LegacyKey.RedisType;
import io.strangler.legacy.LegacyKeys.Field;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * Checks each legacy key on its own (key shape, type, fields, ids, numbers, expiry) and writes it
 * as staging rows onto one binary COPY stream; what it cannot stage goes to the rejects. Checks
 * that need other keys (references, indexes) are left to SQL once everything is staged, since keys
 * arrive in any order.
 *
 * <p>Every staging row has the columns of {@link Stage#COLUMNS}; {@link Stage} numbers the
 * partitions.
 */
final class Stager implements KeySink {
  private static final long MAX_MILLIS = 253_402_300_799_999L; // 9999-12-31T23:59:59.999Z

  private final BinaryCopyWriter out;
  private final Rejects rejects;
  private final long[] staged = new long[Stage.values().length];
  private long backupTime = Long.MIN_VALUE;
  private long keys;
  private long skippedExpired;

  Stager(BinaryCopyWriter out, Rejects rejects) {
    this.out = out;
    this.rejects = rejects;
  }

  long keys() {
    return keys;
  }

  long skippedExpired() {
    return skippedExpired;
  }

  long backupTimeMillis() {
    return backupTime;
  }

  /** Rows staged per partition. */
  EnumMap<Stage, Long> staged() {
    EnumMap<Stage, Long> m = new EnumMap<>(Stage.class);
    for (Stage st : Stage.values()) {
      m.put(st, staged[st.ordinal()]);
    }
    return m;
  }

  @Override
  public void backupTime(long epochMillis) {
    this.backupTime = epochMillis;
  }

  // ---------------------------------------------------------------- per type

  @Override
  public void string(String key, String value, long expireAt) {
    LegacyKey k = accept(key, RedisType.STRING, expireAt);
    if (k == null) {
      return;
    }
    try {
      switch (k.kind()) {
        case SLUG -> {
          if (!Ids.isSlug(k.id())) {
            reject(key, RejectReason.MALFORMED, "the slug in the key is not a valid slug");
          } else if (!Ids.isId(value)) {
            reject(key, RejectReason.MALFORMED, "value is not a replId: '" + value + "'");
          } else {
            pair(Stage.SLUG, k.id(), value);
          }
        }
        case REPL_CURRENT -> {
          if (!Ids.isId(k.id()) || !Ids.isId(value)) {
            reject(key, RejectReason.MALFORMED, "value is not a containerId: '" + value + "'");
          } else {
            pair(Stage.CURRENT, k.id(), value);
          }
        }
        default -> throw new IllegalStateException("string key of kind " + k.kind());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void hash(String key, Map<String, String> h, long expireAt) {
    LegacyKey k = accept(key, RedisType.HASH, expireAt);
    if (k == null) {
      return;
    }
    try {
      switch (k.kind()) {
        case REPL -> repl(key, k.id(), h);
        case MACHINE -> machine(key, k.id(), h);
        case CONTAINER -> container(key, k.id(), h);
        case TOMBSTONE -> tombstone(key, k.id(), h, expireAt);
        default -> throw new IllegalStateException("hash key of kind " + k.kind());
      }
    } catch (BadField e) {
      reject(key, RejectReason.MALFORMED, e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void set(String key, Collection<String> members, long expireAt) {
    LegacyKey k = accept(key, RedisType.SET, expireAt);
    if (k == null) {
      return;
    }
    Stage stage =
        switch (k.kind()) {
          case REGIONS -> Stage.REGION;
          case REGION -> Stage.REGION_CLUSTER;
          case MACHINE_RUNNING -> Stage.MACHINE_RUNNING;
          case CLUSTER_MACHINES -> Stage.CLUSTER_MACHINE;
          default -> throw new IllegalStateException("set key of kind " + k.kind());
        };
    if (k.kind() != Kind.REGIONS && !Ids.isId(k.id())) {
      reject(key, RejectReason.MALFORMED, "the id in the key is not a valid id");
      return;
    }
    try {
      for (String m : members) {
        if (!Ids.isId(m)) {
          reject(key, RejectReason.MALFORMED, "member '" + m + "' is not a valid id");
        } else if (stage == Stage.REGION) {
          pair(stage, m, null);
        } else {
          pair(stage, k.id(), m);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void zset(String key, String[] members, double[] scores, long expireAt) {
    LegacyKey k = accept(key, RedisType.ZSET, expireAt);
    if (k == null) {
      return;
    }
    Stage stage =
        switch (k.kind()) {
          case REPL_CONTAINERS -> Stage.REPL_CONTAINER;
          case MACHINE_CONTAINERS -> Stage.MACHINE_CONTAINER;
          default -> throw new IllegalStateException("zset key of kind " + k.kind());
        };
    if (!Ids.isId(k.id())) {
      reject(key, RejectReason.MALFORMED, "the id in the key is not a valid id");
      return;
    }
    try {
      for (int i = 0; i < members.length; i++) {
        double score = scores[i];
        long millis = (long) score;
        if (!Ids.isId(members[i])) {
          reject(key, RejectReason.MALFORMED, "member '" + members[i] + "' is not a valid id");
        } else if (millis != score || millis < 0 || millis > MAX_MILLIS) {
          reject(
              key,
              RejectReason.MALFORMED,
              "score of '" + members[i] + "' is not a time in milliseconds: " + score);
        } else {
          begin(stage).text(k.id()).text(members[i]);
          out.nul().nul().nul().nul().nul().nul().timestampMillis(millis).nul().nul();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void other(String key, String type, long expireAt) {
    keys++;
    if (expired(expireAt)) {
      return;
    }
    LegacyKey k = LegacyKey.parse(key);
    if (k == null) {
      reject(key, RejectReason.UNKNOWN_KEY, null);
    } else {
      reject(key, RejectReason.WRONG_TYPE, "expected a " + k.kind().type.lower() + ", got " + type);
    }
  }

  // ---------------------------------------------------------------- entities

  private void repl(String key, String id, Map<String, String> h) throws IOException {
    String replId = idField(h, Field.REPL_ID);
    sameId(replId, id, Field.REPL_ID);
    String ownerId = idField(h, Field.OWNER_ID);
    String slug = required(h, Field.SLUG);
    if (!Ids.isSlug(slug)) {
      throw new BadField("field 'slug' is not a valid slug: '" + slug + "'");
    }
    String region = idField(h, Field.REGION);
    String cluster = idField(h, Field.CLUSTER);
    String pending = h.get(Field.PENDING_TRANSFER_TO);
    if (pending != null) {
      if (!Ids.isId(pending)) {
        throw new BadField("field 'pendingTransferTo' is not a valid id: '" + pending + "'");
      }
      if (pending.equals(cluster)) {
        throw new BadField("field 'pendingTransferTo' names the repl's own cluster");
      }
    }
    long createdAt = time(h, Field.CREATED_AT);
    begin(Stage.REPL);
    out.text(replId).text(ownerId).text(slug).text(region).text(cluster).text(pending);
    out.nul().nul().timestampMillis(createdAt).nul().nul();
  }

  private void machine(String key, String id, Map<String, String> h) throws IOException {
    String machineId = idField(h, Field.MACHINE_ID);
    sameId(machineId, id, Field.MACHINE_ID);
    String cluster = idField(h, Field.CLUSTER);
    String address = required(h, Field.ADDRESS);
    int capacity = intField(h, Field.CAPACITY);
    if (capacity < 1 || capacity > 100_000) {
      throw new BadField("field 'capacity' is out of 1..100000: " + capacity);
    }
    String state = required(h, Field.STATE);
    if (!state.equals("ACTIVE") && !state.equals("DRAINING")) {
      throw new BadField("field 'state' is not ACTIVE or DRAINING: '" + state + "'");
    }
    double cpu = doubleField(h, Field.CPU_PERCENT);
    if (!(cpu >= 0 && cpu <= 100)) {
      throw new BadField("field 'cpuPercent' is out of 0..100: " + cpu);
    }
    long registeredAt = time(h, Field.REGISTERED_AT);
    long heartbeatAt = time(h, Field.LAST_HEARTBEAT_AT);
    begin(Stage.MACHINE);
    out.text(machineId).text(cluster).text(address).text(state).nul().nul();
    out.int4(capacity).float8(cpu).timestampMillis(registeredAt).timestampMillis(heartbeatAt).nul();
  }

  private void container(String key, String id, Map<String, String> h) throws IOException {
    String containerId = idField(h, Field.CONTAINER_ID);
    sameId(containerId, id, Field.CONTAINER_ID);
    String replId = idField(h, Field.REPL_ID);
    String machineId = idField(h, Field.MACHINE_ID);
    String cluster = idField(h, Field.CLUSTER);
    String state = required(h, Field.STATE);
    long startedAt = time(h, Field.STARTED_AT);
    boolean running = state.equals("RUNNING");
    if (!running && !state.equals("STOPPED")) {
      throw new BadField("field 'state' is not RUNNING or STOPPED: '" + state + "'");
    }
    boolean hasStoppedAt = h.get(Field.STOPPED_AT) != null;
    if (running == hasStoppedAt) {
      throw new BadField(
          running
              ? "a RUNNING container has field 'stoppedAt'"
              : "a STOPPED container lacks field 'stoppedAt'");
    }
    begin(Stage.CONTAINER);
    out.text(containerId).text(replId).text(machineId).text(cluster).text(state).nul();
    out.nul().nul().timestampMillis(startedAt);
    if (running) {
      out.nul();
    } else {
      out.timestampMillis(time(h, Field.STOPPED_AT));
    }
    out.nul();
  }

  private void tombstone(String key, String id, Map<String, String> h, long expireAt)
      throws IOException {
    String replId = idField(h, Field.REPL_ID);
    sameId(replId, id, Field.REPL_ID);
    String from = idField(h, Field.FROM);
    String to = idField(h, Field.TO);
    long createdAt = time(h, Field.CREATED_AT);
    long expiresAt = time(h, Field.EXPIRES_AT);
    if (expiresAt <= backupTime) {
      // Gone at the backup's time for every reader, even if Redis had not yet removed the key.
      skippedExpired++;
      return;
    }
    if (expiresAt <= createdAt) {
      throw new BadField("field 'expiresAt' is not after 'createdAt'");
    }
    begin(Stage.TOMBSTONE);
    out.text(replId).text(from).text(to).nul().nul().nul();
    out.nul().nul().timestampMillis(createdAt).timestampMillis(expiresAt).nul();
  }

  // ---------------------------------------------------------------- helpers

  /** Common checks; the parsed key, or null when the key was rejected or skipped. */
  private LegacyKey accept(String key, RedisType type, long expireAt) {
    keys++;
    // Expiry first, whatever the key's name or type: a key gone at the backup's time is no
    // record of anything, and a live server (--redis) would not even have shown it.
    if (expired(expireAt)) {
      return null;
    }
    LegacyKey k = LegacyKey.parse(key);
    if (k == null) {
      reject(key, RejectReason.UNKNOWN_KEY, null);
      return null;
    }
    if (k.kind().type != type) {
      reject(
          key,
          RejectReason.WRONG_TYPE,
          "expected a " + k.kind().type.lower() + ", got " + type.lower());
      return null;
    }
    return k;
  }

  /** True, and counted as skipped, when the key had expired at the backup's time. */
  private boolean expired(long expireAt) {
    if (expireAt != NO_EXPIRY && expireAt <= backupTime) {
      skippedExpired++;
      return true;
    }
    return false;
  }

  /** Starts a staging row of {@code stage}; the caller writes its 11 columns after the kind. */
  private BinaryCopyWriter begin(Stage stage) throws IOException {
    staged[stage.ordinal()]++;
    return out.row(Stage.COLUMNS).int2(stage.id);
  }

  private void pair(Stage stage, String a, String b) throws IOException {
    begin(stage).text(a).text(b);
    out.nul().nul().nul().nul().nul().nul().nul().nul().nul();
  }

  private void reject(String key, RejectReason reason, String detail) {
    rejects.add(key, reason, detail);
  }

  private static String required(Map<String, String> h, String field) {
    String v = h.get(field);
    if (v == null) {
      throw new BadField("missing field '" + field + "'");
    }
    return v;
  }

  private static String idField(Map<String, String> h, String field) {
    String v = required(h, field);
    if (!Ids.isId(v)) {
      throw new BadField("field '" + field + "' is not a valid id: '" + v + "'");
    }
    return v;
  }

  private static void sameId(String value, String keyId, String field) {
    if (!value.equals(keyId)) {
      throw new BadField("field '" + field + "' is '" + value + "', the key says '" + keyId + "'");
    }
  }

  private static long time(Map<String, String> h, String field) {
    String v = required(h, field);
    long t;
    try {
      t = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new BadField("field '" + field + "' is not a time in milliseconds: '" + v + "'");
    }
    if (t < 0 || t > MAX_MILLIS) {
      throw new BadField("field '" + field + "' is out of range: " + t);
    }
    return t;
  }

  private static int intField(Map<String, String> h, String field) {
    String v = required(h, field);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new BadField("field '" + field + "' is not an integer: '" + v + "'");
    }
  }

  private static double doubleField(Map<String, String> h, String field) {
    String v = required(h, field);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new BadField("field '" + field + "' is not a number: '" + v + "'");
    }
  }

  /** A field that fails its check; its message is the reject's detail. */
  private static final class BadField extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadField(String message) {
      super(message, null, false, false);
    }
  }
}
