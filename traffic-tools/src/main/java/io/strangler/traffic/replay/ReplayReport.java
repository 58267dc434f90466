package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.Operation;
import io.strangler.diff.FieldDiff;
import io.strangler.diff.Verdict;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The figures of a replay (or a simulation), per API: calls, outcomes, the two backends compared
 * (consistency), whether calls gave what they gave when recorded, latencies, and the fields that
 * differed most. Takes each call as it is done (thread-safe), then renders as JSON or text.
 *
 * <p>Consistency counts as the diff reporter does: MATCH, RACE and BOTH_ERROR_SAME are consistent;
 * MISMATCH, BOTH_ERROR_DIFFERENT, AUTHORITATIVE_ERROR and SHADOW_ERROR are not; SHADOW_TIMEOUT and
 * SHADOW_DROPPED (a write the authoritative side refused, so never sent to the other) are not
 * compared.
 */
public final class ReplayReport implements Replayer.Listener {
  private static final ObjectMapper JSON = ControlApiJson.mapper();
  private static final int TOP_FIELDS = 10;
  private static final int EXAMPLES = 5;

  /** How "reproduced" is judged: the same JSON in process, the same outcome through a proxy. */
  public enum Reproduction {
    /** Same answer JSON, or same error code: in process, with the recorded request id and time. */
    EXACT,
    /** Same outcome (an answer, or the same error code): a proxy stamps its own time. */
    OUTCOME
  }

  private final Reproduction reproduction;
  private final Map<String, Tally> apis = new TreeMap<>();
  private final Map<String, Long> fields = new HashMap<>();
  private final List<ObjectNode> unreproduced = new ArrayList<>();
  private ProxyDiff proxy;

  public ReplayReport(Reproduction reproduction) {
    this.reproduction = reproduction;
  }

  @Override
  public synchronized void done(Replayer.Sent sent) {
    TrafficCall call = sent.call().call();
    CallResult result = sent.result();
    Tally t = apis.computeIfAbsent(call.operation(), k -> new Tally());
    t.calls++;
    t.outcomes.merge(result.answer().label(), 1L, Long::sum);
    t.client.recordValue(micros(result.latency().toNanos()));
    if (call.recorded() != null) {
      t.reproducible++;
      boolean same =
          reproduction == Reproduction.EXACT
              ? result.answer().sameAs(call.recorded())
              : result.answer().label().equals(call.recorded().label());
      if (same) {
        t.reproduced++;
      } else if (unreproduced.size() < EXAMPLES) {
        ObjectNode e = JSON.createObjectNode();
        e.put("source", call.source());
        e.put("api", call.operation());
        e.put("requestId", call.requestId());
        e.set("recorded", JSON.valueToTree(call.recorded()));
        e.set("replayed", JSON.valueToTree(result.answer()));
        unreproduced.add(e);
      }
    }
    CallResult.Compared c = result.compared();
    if (c != null) {
      Verdict v = c.classification().verdict();
      t.verdicts.merge(v, 1L, Long::sum);
      if (c.legacyLatency() != null) {
        t.legacy.recordValue(micros(c.legacyLatency().toNanos()));
      }
      if (c.newLatency() != null) {
        t.newer.recordValue(micros(c.newLatency().toNanos()));
      }
      if (v == Verdict.MISMATCH || v == Verdict.BOTH_ERROR_DIFFERENT) {
        Set<String> paths = new LinkedHashSet<>();
        for (FieldDiff d : c.classification().diffs()) {
          paths.add(d.foldedPath().isEmpty() ? "(document)" : d.foldedPath());
        }
        paths.forEach(p -> fields.merge(call.operation() + " " + p, 1L, Long::sum));
      }
    }
  }

  /**
   * Takes the proxy's own comparison between two scrapes of its counters (a run through a proxy).
   */
  public void proxyDiff(ProxyAdmin.Counters before, ProxyAdmin.Counters after) {
    proxyDiff(ProxyDiff.between(before.metrics, after.metrics));
  }

  public synchronized void proxyDiff(ProxyDiff diff) {
    this.proxy = diff;
    diff.verdicts()
        .forEach(
            (api, byVerdict) -> {
              Tally t = apis.computeIfAbsent(api, k -> new Tally());
              byVerdict.forEach(
                  (verdict, n) -> {
                    try {
                      t.verdicts.merge(
                          Verdict.valueOf(verdict.toUpperCase(Locale.ROOT)), n, Long::sum);
                    } catch (IllegalArgumentException e) {
                      // A verdict this version does not know: left out rather than guessed.
                    }
                  });
            });
    diff.fields()
        .forEach(
            (api, byPath) ->
                byPath.forEach((path, n) -> fields.merge(api + " " + path, n, Long::sum)));
  }

  private static long micros(long nanos) {
    return Math.max(0, nanos / 1000);
  }

  /** Consistent / compared over every API, in percent; null when nothing was compared. */
  public synchronized Double consistencyPercent() {
    long compared = 0;
    long consistent = 0;
    for (Tally t : apis.values()) {
      compared += t.compared();
      consistent += t.consistent();
    }
    return compared == 0 ? null : 100.0 * consistent / compared;
  }

  public synchronized long calls() {
    return apis.values().stream().mapToLong(t -> t.calls).sum();
  }

  /** The report as JSON; {@code header} fields come first (what was replayed, against what). */
  public synchronized ObjectNode toJson(ObjectNode header, Replayer.Schedule schedule) {
    ObjectNode out = header.deepCopy();
    if (schedule != null) {
      out.set("schedule", schedule(schedule));
    }
    out.put(
        "consistencySource",
        proxy != null
            ? "by the proxy's diff reporter (its /metrics over the run)"
            : hasComparisons() ? "in process" : null);
    long calls = 0;
    long compared = 0;
    long consistent = 0;
    long reproducible = 0;
    long reproduced = 0;
    ArrayNode list = out.putArray("apis");
    for (String api : ordered()) {
      Tally t = apis.get(api);
      ObjectNode a = list.addObject();
      a.put("api", api);
      a.put("calls", t.calls);
      a.set("outcomes", JSON.valueToTree(t.outcomes));
      a.put("compared", t.compared());
      a.put("consistent", t.consistent());
      a.put("notCompared", t.notCompared());
      putPercent(a, "consistencyPercent", t.consistent(), t.compared());
      ObjectNode verdicts = a.putObject("verdicts");
      t.verdicts.forEach((v, n) -> verdicts.put(v.name().toLowerCase(Locale.ROOT), n));
      a.put("reproducible", t.reproducible);
      a.put("reproduced", t.reproduced);
      putPercent(a, "reproducedPercent", t.reproduced, t.reproducible);
      ObjectNode latency = a.putObject("latencyMs");
      putLatency(latency, "client", t.client);
      if (proxy != null) {
        Map<String, double[]> byBackend = proxy.latencyMs().getOrDefault(api, Map.of());
        putLatency(latency, "legacy", byBackend.get("legacy"));
        putLatency(latency, "new", byBackend.get("new"));
      } else {
        putLatency(latency, "legacy", t.legacy);
        putLatency(latency, "new", t.newer);
      }
      calls += t.calls;
      compared += t.compared();
      consistent += t.consistent();
      reproducible += t.reproducible;
      reproduced += t.reproduced;
    }
    ObjectNode overall = out.putObject("overall");
    overall.put("calls", calls);
    overall.put("compared", compared);
    overall.put("consistent", consistent);
    putPercent(overall, "consistencyPercent", consistent, compared);
    overall.put("reproducible", reproducible);
    overall.put("reproduced", reproduced);
    putPercent(overall, "reproducedPercent", reproduced, reproducible);
    overall.put("reproduction", reproduction.name().toLowerCase(Locale.ROOT));
    out.putArray("unreproducedExamples").addAll(unreproduced);
    ArrayNode top = out.putArray("topDifferingFields");
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(fields.entrySet());
    sorted.sort(
        Map.Entry.<String, Long>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(TOP_FIELDS, sorted.size()))) {
      int space = e.getKey().indexOf(' ');
      top.addObject()
          .put("api", e.getKey().substring(0, space))
          .put("path", e.getKey().substring(space + 1))
          .put("calls", e.getValue());
    }
    return out;
  }

  static ObjectNode schedule(Replayer.Schedule s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("pacing", s.pacing());
    n.put("sent", s.sent());
    n.put("stoppedByLimit", s.stoppedByLimit());
    n.put("spanSeconds", round(s.span().toNanos() / 1e9, 3));
    putNumber(n, "askedRate", s.askedRate());
    putNumber(n, "achievedRate", s.achievedRate());
    putNumber(n, "askedSpeed", s.askedSpeed());
    putNumber(n, "achievedSpeed", s.achievedSpeed());
    if (s.askedRate() != null || s.askedSpeed() != null) {
      n.putObject("latenessMs")
          .put("p50", round(s.latenessP50Ms(), 3))
          .put("p99", round(s.latenessP99Ms(), 3))
          .put("max", round(s.latenessMaxMs(), 3));
    } else {
      // Unpaced: every call is due at once, so how late it went says nothing.
      n.putNull("latenessMs");
    }
    return n;
  }

  private static void putNumber(ObjectNode n, String field, Double v) {
    if (v == null) {
      n.putNull(field);
    } else {
      n.put(field, round(v, 4));
    }
  }

  private boolean hasComparisons() {
    return apis.values().stream().anyMatch(t -> !t.verdicts.isEmpty());
  }

  /** APIs in the contract's order, then any other. */
  private List<String> ordered() {
    List<String> out = new ArrayList<>();
    for (Operation<?> op : Operation.ALL) {
      if (apis.containsKey(op.name())) {
        out.add(op.name());
      }
    }
    apis.keySet().stream()
        .filter(a -> !out.contains(a))
        .sorted(Comparator.naturalOrder())
        .forEach(out::add);
    return out;
  }

  private static void putPercent(ObjectNode node, String field, long part, long whole) {
    if (whole == 0) {
      node.putNull(field);
    } else {
      node.put(field, round(100.0 * part / whole, 4));
    }
  }

  private static void putLatency(ObjectNode node, String field, Histogram h) {
    if (h.getTotalCount() == 0) {
      return;
    }
    putLatency(
        node,
        field,
        new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0});
  }

  private static void putLatency(ObjectNode node, String field, double[] p50p99) {
    if (p50p99 == null) {
      return;
    }
    node.putObject(field).put("p50", round(p50p99[0], 3)).put("p99", round(p50p99[1], 3));
  }

  static double round(double v, int places) {
    double f = Math.pow(10, places);
    return Math.round(v * f) / f;
  }

  /** The JSON report as a table for people. */
  public static String text(JsonNode r) {
    StringBuilder b = new StringBuilder();
    b.append(r.path("title").asText("replay")).append('\n');
    JsonNode s = r.get("schedule");
    if (s != null && !s.isNull()) {
      b.append(
          String.format(
              Locale.ROOT,
              "  schedule   %s asked; %d calls sent over %.2f s",
              s.path("pacing").asText(),
              s.path("sent").asLong(),
              s.path("spanSeconds").asDouble()));
      if (s.hasNonNull("achievedRate")) {
        b.append(String.format(Locale.ROOT, ", %.2f calls/s", s.get("achievedRate").asDouble()));
      }
      if (s.hasNonNull("achievedSpeed")) {
        b.append(
            String.format(
                Locale.ROOT, ", %.3fx the recorded speed", s.get("achievedSpeed").asDouble()));
      }
      JsonNode late = s.path("latenessMs");
      b.append('\n');
      if (late.isObject()) {
        b.append(
            String.format(
                Locale.ROOT,
                "  lateness   p50 %.2f ms, p99 %.2f ms, max %.2f ms after the due time%n",
                late.path("p50").asDouble(),
                late.path("p99").asDouble(),
                late.path("max").asDouble()));
      }
      if (s.path("stoppedByLimit").asBoolean()) {
        b.append("  stopped    at the call or time limit\n");
      }
    }
    if (r.hasNonNull("consistencySource")) {
      b.append("  compared   ").append(r.get("consistencySource").asText()).append('\n');
    }
    b.append('\n');
    String head =
        String.format(
            Locale.ROOT,
            "%-19s %7s  %-34s %8s %12s %11s  %-17s %-17s %-17s%n",
            "API",
            "calls",
            "outcomes",
            "compared",
            "consistency",
            "reproduced",
            "client p50/p99 ms",
            "legacy p50/p99 ms",
            "new p50/p99 ms");
    b.append(head);
    for (JsonNode a : r.path("apis")) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-19s %7d  %-34s %8d %12s %11s  %-17s %-17s %-17s%n",
              a.path("api").asText(),
              a.path("calls").asLong(),
              outcomes(a.path("outcomes")),
              a.path("compared").asLong(),
              percent(a.get("consistencyPercent")),
              percent(a.get("reproducedPercent")),
              latency(a.path("latencyMs").get("client")),
              latency(a.path("latencyMs").get("legacy")),
              latency(a.path("latencyMs").get("new"))));
    }
    JsonNode o = r.path("overall");
    b.append(
        String.format(
            Locale.ROOT,
            "%-19s %7d  %-34s %8d %12s %11s%n",
            "overall",
            o.path("calls").asLong(),
            "",
            o.path("compared").asLong(),
            percent(o.get("consistencyPercent")),
            percent(o.get("reproducedPercent"))));
    if (o.path("reproducible").asLong() > 0) {
      b.append(
          String.format(
              Locale.ROOT,
              "%n  reproduced: %s%n",
              o.path("reproduction").asText().equals("exact")
                  ? "the same answer JSON (or error code) as recorded"
                  : "the same outcome as recorded (an answer, or the same error code)"));
    }
    JsonNode examples = r.path("unreproducedExamples");
    if (!examples.isEmpty()) {
      b.append("\nnot as recorded (first ").append(examples.size()).append(")\n");
      for (JsonNode e : examples) {
        b.append(
            String.format(
                Locale.ROOT,
                "  %-24s %-19s %s: recorded %s, replayed %s%n",
                e.path("source").asText(),
                e.path("api").asText(),
                e.path("requestId").asText(),
                brief(e.path("recorded")),
                brief(e.path("replayed"))));
      }
    }
    JsonNode top = r.path("topDifferingFields");
    if (top.isEmpty()) {
      b.append("\nno differing fields\n");
    } else {
      b.append("\ntop differing fields (inconsistent calls)\n");
      for (JsonNode f : top) {
        b.append(
            String.format(
                Locale.ROOT,
                "  %-19s %-40s %7d%n",
                f.path("api").asText(),
                f.path("path").asText(),
                f.path("calls").asLong()));
      }
    }
    JsonNode gate = r.get("gate");
    if (gate != null && !gate.isNull()) {
      b.append(
          String.format(
              Locale.ROOT,
              "%ngate: consistency %s %s --fail-under %s: %s%n",
              percent(o.get("consistencyPercent")),
              gate.path("passed").asBoolean() ? ">=" : "<",
              gate.path("failUnder").asText(),
              gate.path("passed").asBoolean()
                  ? "PASS"
                  : "FAIL (" + gate.path("reason").asText() + ")"));
    }
    return b.toString();
  }

  /** An answer in a few words: its error code, or the start of its JSON. */
  private static String brief(JsonNode answer) {
    if (answer.has("code")) {
      return answer.get("code").asText();
    }
    String body = answer.path("body").toString();
    return body.length() > 60 ? body.substring(0, 57) + "..." : body;
  }

  private static String outcomes(JsonNode outcomes) {
    List<String> parts = new ArrayList<>();
    outcomes.properties().forEach(e -> parts.add(e.getKey() + " " + e.getValue().asLong()));
    String s = String.join(", ", parts);
    return s.length() > 34 ? s.substring(0, 31) + "..." : s;
  }

  private static String percent(JsonNode p) {
    return p == null || p.isNull() ? "-" : String.format(Locale.ROOT, "%.2f%%", p.asDouble());
  }

  private static String latency(JsonNode l) {
    return l == null
        ? "-"
        : String.format(
            Locale.ROOT, "%.2f / %.2f", l.path("p50").asDouble(), l.path("p99").asDouble());
  }
}
