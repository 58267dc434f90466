package io.strangler.flags;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Any {@link FlagSource} with a layer of per-API overrides the proxy holds on top: an override
 * outranks what the source says for that API until it is cleared. This is how a proxy steps an API
 * back (or through a cut-over) on a source it cannot write, such as Unleash. Overrides live in this
 * proxy's memory, unless shared ({@link SharedOverrides}: every instance of a fleet on one
 * PostgreSQL holds the same ones).
 *
 * <p>Kill switches still come last: they are read from the source and override an override, as they
 * override every flag. Writes ({@link #set}) go to the source; an override for the same API keeps
 * outranking them until {@link #clear}.
 */
public final class OverridingFlags implements FlagSource {
  /** How long a read of the source's kill switches is reused on the request path. */
  private static final long KILL_SWITCH_TTL_NANOS = 250_000_000L;

  private final FlagSource source;
  private final ConcurrentHashMap<String, FlagOverride> overrides = new ConcurrentHashMap<>();
  private volatile KillState kills = new KillState(false, false, Long.MIN_VALUE);
  private volatile Listener listener;

  /** Hears this proxy's own changes of an override (not those applied by {@link #applyShared}). */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param operation the API
     * @param now the override now held, or null when it was cleared
     */
    void changed(String operation, FlagOverride now);
  }

  private record KillState(boolean legacy, boolean newer, long readAtNanos) {}

  private OverridingFlags(FlagSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /** {@code source} with an override layer; a source that already has one is returned as is. */
  public static OverridingFlags wrap(FlagSource source) {
    return source instanceof OverridingFlags o ? o : new OverridingFlags(source);
  }

  /** The source under the overrides. */
  public FlagSource source() {
    return source;
  }

  /** Holds {@code override} for its API, replacing any override it had. */
  public void override(FlagOverride override) {
    Objects.requireNonNull(override, "override");
    overrides.put(override.operation(), override);
    Listener l = listener;
    if (l != null) {
      l.changed(override.operation(), override);
    }
  }

  /** Drops the override of {@code operation}: the source decides again. Returns what was held. */
  public Optional<FlagOverride> clear(String operation) {
    FlagOverride was = overrides.remove(operation);
    Listener l = listener;
    if (was != null && l != null) {
      l.changed(operation, null);
    }
    return Optional.ofNullable(was);
  }

  /** Sets the one listener of this proxy's own override changes (null: none). */
  public void listen(Listener l) {
    this.listener = l;
  }

  /**
   * Makes the overrides held those of {@code shared} (the fleet's), except for the APIs in {@code
   * local}, whose own change is not shared yet. The listener does not hear these.
   */
  public void applyShared(Map<String, FlagOverride> shared, java.util.Set<String> local) {
    overrides.keySet().removeIf(op -> !shared.containsKey(op) && !local.contains(op));
    shared.forEach(
        (op, o) -> {
          if (!local.contains(op)) {
            overrides.put(op, o);
          }
        });
  }

  /** The override of {@code operation}, if one is held. */
  public Optional<FlagOverride> override(String operation) {
    return Optional.ofNullable(overrides.get(operation));
  }

  @Override
  public Decision decide(String operation, String routingKey) {
    FlagOverride o = overrides.get(operation);
    if (o == null) {
      return source.decide(operation, routingKey);
    }
    ApiSetting s = o.setting();
    boolean in =
        s.rolloutPercent() == 100
            || (routingKey != null
                && s.rolloutPercent() > 0
                && Rollout.bucket(operation, routingKey) < s.rolloutPercent());
    Decision d =
        new Decision(
            in ? s.mode() : s.mode().previous(),
            in ? "override" : "override, outside " + s.rolloutPercent() + "% rollout");
    KillState k = killSwitches();
    return KillSwitches.apply(d, k.legacy(), k.newer());
  }

  /**
   * The source's kill switches, re-read at most every 250 ms: a source's snapshot is in memory but
   * allocates, and only overridden APIs pay for it.
   */
  private KillState killSwitches() {
    KillState k = kills;
    long now = System.nanoTime();
    if (now - k.readAtNanos() < KILL_SWITCH_TTL_NANOS && k.readAtNanos() != Long.MIN_VALUE) {
      return k;
    }
    FlagsSnapshot s = source.snapshot();
    k = new KillState(s.killLegacy(), s.killNew(), now);
    kills = k;
    return k;
  }

  @Override
  public FlagsSnapshot snapshot() {
    FlagsSnapshot s = source.snapshot();
    if (overrides.isEmpty()) {
      return s;
    }
    Map<String, ApiFlag> apis = new TreeMap<>();
    s.apis().forEach(a -> apis.put(a.operation(), a));
    List<FlagOverride> held = new ArrayList<>(new TreeMap<>(overrides).values());
    for (FlagOverride o : held) {
      ApiSetting set = o.setting();
      Decision in =
          KillSwitches.apply(
              new Decision(set.mode(), ApiFlag.OVERRIDE), s.killLegacy(), s.killNew());
      Decision out =
          KillSwitches.apply(
              new Decision(
                  set.rolloutPercent() == 100 ? set.mode() : set.mode().previous(),
                  ApiFlag.OVERRIDE),
              s.killLegacy(),
              s.killNew());
      apis.put(
          o.operation(),
          new ApiFlag(
              o.operation(),
              set.mode(),
              set.rolloutPercent(),
              in.mode(),
              out.mode(),
              ApiFlag.OVERRIDE));
    }
    return new FlagsSnapshot(
        s.source(),
        s.defaultMode(),
        s.killLegacy(),
        s.killNew(),
        new ArrayList<>(apis.values()),
        s.error(),
        held);
  }

  @Override
  public SetResult set(String operation, Mode mode, int rolloutPercent, String who) {
    return source.set(operation, mode, rolloutPercent, who);
  }

  @Override
  public List<AuditEntry> audit(int limit) {
    return source.audit(limit);
  }

  @Override
  public void close() {
    source.close();
  }
}
