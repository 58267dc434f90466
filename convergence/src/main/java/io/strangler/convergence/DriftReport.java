package io.strangler.convergence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.strangler.diff.FieldDiff;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a drift scan found, per entity type: how many entities it compared, how many agree, differ,
 * or exist in one store only, the field paths that differ most, and a few examples.
 */
public record DriftReport(Map<EntityType, TypeReport> types, long elapsedMillis) {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** How an entity differs between the stores. */
  public enum Kind {
    DIFFERENT,
    ONLY_IN_LEGACY,
    ONLY_IN_NEW
  }

  /** One differing entity, with its field differences (empty when it is in one store only). */
  public record Example(String id, Kind kind, List<FieldDiff> diffs) {}

  public record TypeReport(
      long scanned,
      long equal,
      long different,
      long onlyInLegacy,
      long onlyInNew,
      Map<String, Long> topPaths,
      List<Example> examples) {
    public long drifted() {
      return different + onlyInLegacy + onlyInNew;
    }
  }

  public boolean hasDrift() {
    return types.values().stream().anyMatch(t -> t.drifted() > 0);
  }

  public long drifted() {
    return types.values().stream().mapToLong(TypeReport::drifted).sum();
  }

  public String toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> byType = new LinkedHashMap<>();
    types.forEach((t, r) -> byType.put(t.cliName(), r));
    out.put("drift", hasDrift());
    out.put("elapsedMillis", elapsedMillis);
    out.put("types", byType);
    try {
      return JSON.writeValueAsString(out);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the drift report as JSON", e);
    }
  }

  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "drift scan: %s (%.1f s)%n",
            hasDrift() ? drifted() + " entities differ" : "the stores are equal",
            elapsedMillis / 1000.0));
    b.append(
        String.format(
            Locale.ROOT,
            "  %-11s %10s %10s %10s %12s %10s%n",
            "entity",
            "scanned",
            "equal",
            "different",
            "only legacy",
            "only new"));
    types.forEach(
        (t, r) ->
            b.append(
                String.format(
                    Locale.ROOT,
                    "  %-11s %10d %10d %10d %12d %10d%n",
                    t.cliName(),
                    r.scanned(),
                    r.equal(),
                    r.different(),
                    r.onlyInLegacy(),
                    r.onlyInNew())));
    types.forEach(
        (t, r) -> {
          if (r.drifted() == 0) {
            return;
          }
          b.append(t.cliName()).append(":\n");
          if (!r.topPaths().isEmpty()) {
            List<String> paths = new ArrayList<>();
            r.topPaths().forEach((p, n) -> paths.add(p + " " + n));
            b.append("  top paths: ").append(String.join(", ", paths)).append('\n');
          }
          for (Example e : r.examples()) {
            b.append("  ").append(e.id()).append(' ').append(e.kind());
            if (!e.diffs().isEmpty()) {
              b.append(' ').append(e.diffs());
            }
            b.append('\n');
          }
        });
    return b.toString();
  }

  /** Counts for one entity type while the scan runs. */
  static final class Tally {
    private final int maxExamples;
    long scanned;
    long equal;
    long different;
    long onlyInLegacy;
    long onlyInNew;
    final Map<String, Long> paths = new LinkedHashMap<>();
    final List<Example> examples = new ArrayList<>();

    Tally(int maxExamples) {
      this.maxExamples = maxExamples;
    }

    void add(Example e) {
      switch (e.kind()) {
        case DIFFERENT -> different++;
        case ONLY_IN_LEGACY -> onlyInLegacy++;
        case ONLY_IN_NEW -> onlyInNew++;
      }
      // Folded paths: a bounded set, whatever the ids.
      for (FieldDiff d : e.diffs()) {
        paths.merge(d.foldedPath().isEmpty() ? "(entity)" : d.foldedPath(), 1L, Long::sum);
      }
      if (examples.size() < maxExamples) {
        examples.add(e);
      }
    }

    TypeReport report() {
      Map<String, Long> top = new LinkedHashMap<>();
      paths.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
          .limit(10)
          .forEach(en -> top.put(en.getKey(), en.getValue()));
      return new TypeReport(
          scanned, equal, different, onlyInLegacy, onlyInNew, top, List.copyOf(examples));
    }
  }
}
