package io.strangler.importer;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * What an import read and wrote.
 *
 * @param source the file or server read
 * @param mode how the control plane's content was treated
 * @param backupTime the backup's time: the RDB's {@code ctime}, the file's modification time
 *     without one, or the server's clock for a live source
 * @param keysRead keys of the imported logical database that were read
 * @param keysInOtherDbs keys of other logical databases, left alone
 * @param skippedExpired keys (mostly tombstones) already expired at the backup's time
 * @param imported rows written per control-plane table (inserted, or upserted by MERGE)
 * @param rejects rejected records per reason code
 * @param keptPreviousIn REPLACE mode: the schema holding the control plane's contents as they were
 *     before ({@link ReplacedTables}); null when they were empty, and in other modes
 * @param elapsed the whole import, without verification
 * @param phases the import's phases in order, with their durations: together, {@code elapsed}
 */
public record ImportSummary(
    String source,
    ImportMode mode,
    Instant backupTime,
    long keysRead,
    long keysInOtherDbs,
    long skippedExpired,
    Map<String, Long> imported,
    Map<String, Long> rejects,
    String keptPreviousIn,
    Duration elapsed,
    Map<String, Duration> phases) {

  public ImportSummary {
    imported = Map.copyOf(imported);
    rejects = Collections.unmodifiableMap(new TreeMap<>(rejects));
    phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
  }

  public long rejectedTotal() {
    return rejects.values().stream().mapToLong(Long::longValue).sum();
  }

  public long importedRows() {
    return imported.values().stream().mapToLong(Long::longValue).sum();
  }

  public long imported(String table) {
    return imported.getOrDefault(table, 0L);
  }

  public double keysPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s <= 0 ? 0 : keysRead / s;
  }

  /** The summary as printed at the end of an import. */
  public String render() {
    StringBuilder b = new StringBuilder();
    b.append("import of ")
        .append(source)
        .append(" (mode ")
        .append(mode.name().toLowerCase(Locale.ROOT));
    b.append(", backup time ").append(backupTime).append(")\n");
    b.append("  keys read        ").append(keysRead);
    if (keysInOtherDbs > 0) {
      b.append(" (and ").append(keysInOtherDbs).append(" in other databases, left alone)");
    }
    b.append('\n');
    b.append("  skipped expired  ").append(skippedExpired).append('\n');
    StringJoiner rows = new StringJoiner(", ");
    for (String t : PostgresLoader.TABLES) {
      rows.add(t + " " + imported(t));
    }
    b.append("  imported         ").append(rows).append('\n');
    b.append("  rejected         ").append(rejectedTotal());
    if (!rejects.isEmpty()) {
      StringJoiner r = new StringJoiner(", ", " (", ")");
      rejects.forEach((reason, n) -> r.add(reason + " " + n));
      b.append(r);
    }
    b.append('\n');
    if (keptPreviousIn != null) {
      b.append("  previous content kept in schema ")
          .append(keptPreviousIn)
          .append(" (drop it with --drop-replaced ")
          .append(keptPreviousIn)
          .append(")\n");
    }
    // One set of times: the phases cover the whole import, so they add up to the elapsed time.
    b.append(
        String.format(
            Locale.ROOT,
            "  elapsed          %.1f s, %,.0f keys/s%n",
            elapsed.toNanos() / 1e9,
            keysPerSecond()));
    StringJoiner p = new StringJoiner(", ");
    phases.forEach(
        (name, d) -> p.add(String.format(Locale.ROOT, "%s %.2f s", name, d.toNanos() / 1e9)));
    b.append("  phases           ").append(p).append('\n');
    return b.toString();
  }
}
