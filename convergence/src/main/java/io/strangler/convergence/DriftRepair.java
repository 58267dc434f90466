package io.strangler.convergence;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A drift scan that copies each differing entity from the named side through {@link EntitySync} as
 * soon as it finds it: the sync re-reads both stores and writes only under its own checks, so a
 * repair is safe while the proxy serves (a write that lands first is not overwritten, and one that
 * lands after is newer). A dry run asks the sync what it would change and writes nothing.
 */
public final class DriftRepair {
  /** {@code max} 0: repair every differing entity. */
  public record Options(DriftScanner.Options scan, Side from, boolean dryRun, long max) {
    public Options {
      Objects.requireNonNull(scan, "scan");
      Objects.requireNonNull(from, "from: name the side to copy from, legacy or new");
      if (max < 0) {
        throw new IllegalArgumentException("--max must be >= 0, got " + max);
      }
    }
  }

  /** The outcome kinds, for the report's counts. */
  public enum Outcome {
    SYNCED,
    WOULD_SYNC,
    ALREADY_EQUAL,
    CONFLICT,
    FAILED,
    SKIPPED_OVER_MAX
  }

  /** The scan's findings and what the repair did about each entity (the first ones in full). */
  public record Report(DriftReport scan, Map<Outcome, Long> counts, List<SyncResult> results) {
    public long count(Outcome o) {
      return counts.getOrDefault(o, 0L);
    }

    public String toText() {
      StringBuilder b = new StringBuilder(scan.toText());
      b.append("repair:");
      counts.forEach(
          (o, n) -> b.append(' ').append(o.name().toLowerCase(Locale.ROOT)).append(' ').append(n));
      b.append('\n');
      for (SyncResult r : results) {
        b.append("  ").append(line(r)).append('\n');
      }
      return b.toString();
    }

    private static String line(SyncResult r) {
      return switch (r) {
        case SyncResult.Synced s -> s.ref() + " synced from " + side(s.from()) + ": " + s.changes();
        case SyncResult.WouldSync w ->
            w.ref() + " would sync from " + side(w.from()) + ": " + w.changes();
        case SyncResult.AlreadyEqual a -> a.ref() + " already equal";
        case SyncResult.Conflict c ->
            c.ref() + " kept changing (" + c.attempts() + " attempts): " + c.detail();
        case SyncResult.Failed f -> f.ref() + " FAILED: " + f.reason();
        case SyncResult.Unavailable u -> u.ref() + " FAILED (store unavailable): " + u.reason();
      };
    }

    private static String side(Side s) {
      return s.name().toLowerCase(Locale.ROOT);
    }
  }

  static final int MAX_LISTED = 200;

  private final DriftScanner scanner;
  private final EntitySync sync;

  public DriftRepair(DriftScanner scanner, EntitySync sync) {
    this.scanner = Objects.requireNonNull(scanner, "scanner");
    this.sync = Objects.requireNonNull(sync, "sync");
  }

  public Report repair(Options o, DriftScanner.Progress progress) throws SQLException {
    Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    List<SyncResult> listed = new ArrayList<>();
    long[] acted = {0};
    DriftScanner.Listener listener =
        (ref, kind, diffs) -> {
          if (o.max() > 0 && acted[0] >= o.max()) {
            counts.merge(Outcome.SKIPPED_OVER_MAX, 1L, Long::sum);
            return;
          }
          acted[0]++;
          SyncResult r = o.dryRun() ? sync.plan(ref, o.from()) : sync.sync(ref, o.from());
          counts.merge(outcome(r), 1L, Long::sum);
          if (listed.size() < MAX_LISTED) {
            listed.add(r);
          }
        };
    DriftReport scan = scanner.scan(o.scan(), listener, progress);
    return new Report(scan, counts, List.copyOf(listed));
  }

  static Outcome outcome(SyncResult r) {
    return switch (r) {
      case SyncResult.Synced s -> Outcome.SYNCED;
      case SyncResult.WouldSync w -> Outcome.WOULD_SYNC;
      case SyncResult.AlreadyEqual a -> Outcome.ALREADY_EQUAL;
      case SyncResult.Conflict c -> Outcome.CONFLICT;
      case SyncResult.Failed f -> Outcome.FAILED;
      case SyncResult.Unavailable u -> Outcome.FAILED;
    };
  }
}
