package io.strangler.flags;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One applied {@link FlagsFile}, compiled into precomputed answers: every {@link Decision} is built
 * once here, so that {@link #decide} neither locks nor allocates. Immutable; shared by the sources
 * whose flags are a flags document ({@link FileFlags}, {@link PostgresFlags}).
 */
final class CompiledFlags {
  final FlagsFile file;
  final Mode defaultMode;
  final String source;
  private final Map<String, Rule> rules;
  private final Decision fallback;

  private CompiledFlags(
      FlagsFile file, Mode defaultMode, String source, Map<String, Rule> rules, Decision fallback) {
    this.file = file;
    this.defaultMode = defaultMode;
    this.source = source;
    this.rules = rules;
    this.fallback = fallback;
  }

  /** {@code f} compiled; {@code configuredDefault} when it names no default mode. */
  static CompiledFlags of(FlagsFile f, Mode configuredDefault, String source) {
    Mode def = f.defaultMode() != null ? f.defaultMode() : configuredDefault;
    // A HashMap, not Map.copyOf: get(null) must answer null, not throw, on the request path.
    Map<String, Rule> rules = new HashMap<>();
    f.apis()
        .forEach((op, s) -> rules.put(op, new Rule(op, s, f.killLegacy(), f.killNew(), source)));
    Decision fallback =
        KillSwitches.apply(new Decision(def, ApiFlag.DEFAULT), f.killLegacy(), f.killNew());
    return new CompiledFlags(f, def, source, rules, fallback);
  }

  Decision decide(String operation, String routingKey) {
    Rule r = rules.get(operation);
    return r == null ? fallback : r.decide(routingKey);
  }

  /** The admin view of {@code operation}. */
  ApiFlag view(String operation) {
    Rule r = rules.get(operation);
    return r != null ? r.view : defaultView(operation);
  }

  /** Every known operation and every one the file names, by name. */
  FlagsSnapshot snapshot(Set<String> knownOperations, FlagsError error) {
    Set<String> ops = new TreeSet<>(knownOperations);
    ops.addAll(file.apis().keySet());
    List<ApiFlag> apis = new ArrayList<>(ops.size());
    for (String op : ops) {
      apis.add(view(op));
    }
    return new FlagsSnapshot(source, defaultMode, file.killLegacy(), file.killNew(), apis, error);
  }

  /** What changed from {@code before} to this, as audit entries at {@code at} by {@code who}. */
  List<AuditEntry> changesSince(CompiledFlags before, Instant at, String who) {
    CompiledFlags a = before;
    List<AuditEntry> out = new ArrayList<>();
    if (a.defaultMode != defaultMode) {
      out.add(new AuditEntry(at, source, "default", a.defaultMode.name(), defaultMode.name(), who));
    }
    if (a.file.killLegacy() != file.killLegacy()) {
      out.add(
          new AuditEntry(
              at,
              source,
              "kill.legacy",
              onOff(a.file.killLegacy()),
              onOff(file.killLegacy()),
              who));
    }
    if (a.file.killNew() != file.killNew()) {
      out.add(
          new AuditEntry(
              at, source, "kill.new", onOff(a.file.killNew()), onOff(file.killNew()), who));
    }
    Set<String> ops = new TreeSet<>(a.file.apis().keySet());
    ops.addAll(file.apis().keySet());
    for (String op : ops) {
      ApiSetting x = a.file.apis().get(op);
      ApiSetting y = file.apis().get(op);
      if (!Objects.equals(x, y)) {
        out.add(new AuditEntry(at, source, op, render(x), render(y), who));
      }
    }
    return out;
  }

  static String onOff(boolean on) {
    return on ? "on" : "off";
  }

  static String render(ApiSetting s) {
    return s == null ? "none" : s.toString();
  }

  private ApiFlag defaultView(String op) {
    return new ApiFlag(
        op,
        null,
        null,
        fallback.mode(),
        fallback.mode(),
        fallback.mode() != defaultMode ? ApiFlag.KILL_SWITCH : ApiFlag.DEFAULT);
  }

  /** One API's precomputed answers. */
  private static final class Rule {
    final long seed;
    final int rolloutPercent;
    final Decision in;
    final Decision out;
    final ApiFlag view;

    Rule(String op, ApiSetting s, boolean killLegacy, boolean killNew, String source) {
      this.seed = Rollout.seed(op);
      this.rolloutPercent = s.rolloutPercent();
      this.in = KillSwitches.apply(new Decision(s.mode(), source), killLegacy, killNew);
      this.out =
          KillSwitches.apply(
              new Decision(
                  s.mode().previous(), source + ", outside " + s.rolloutPercent() + "% rollout"),
              killLegacy,
              killNew);
      boolean killed =
          in.mode() != s.mode() || (s.rolloutPercent() < 100 && out.mode() != s.mode().previous());
      this.view =
          new ApiFlag(
              op,
              s.mode(),
              s.rolloutPercent(),
              in.mode(),
              out.mode(),
              killed ? ApiFlag.KILL_SWITCH : source);
    }

    Decision decide(String key) {
      if (rolloutPercent == 100) {
        return in;
      }
      if (rolloutPercent == 0 || key == null) {
        return out;
      }
      return Rollout.bucket(seed, key) < rolloutPercent ? in : out;
    }
  }
}
