package io.strangler.dispatch.repair;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The drift scans a proxy ran to repair what its journal could not name, by what started them and
 * how they ended; read by {@link RepairMetrics} as {@code strangler_repairs_scans_total}.
 */
public final class DriftScans {

  /** What started a scan. */
  public enum Trigger {
    /** The proxy, because an API needed one (its journal lost entries). */
    AUTOMATIC,
    /** {@code POST /admin/repairs/scan}. */
    ADMIN;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How a scan ended. */
  public enum Result {
    /** Nothing was left unrepaired: the "needs a drift scan" marks it covered are cleared. */
    CLEAN,
    /** It ran, and left differences it could not repair. */
    DIFFERENCES_LEFT,
    /** It could not run to its end (a store was unreachable). */
    FAILED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final LongAdder[] counts =
      new LongAdder[Trigger.values().length * Result.values().length];

  public DriftScans() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /** Counts one scan that ended. */
  public void ended(Trigger trigger, Result result) {
    counts[index(trigger, result)].increment();
  }

  /** Scans so far that {@code trigger} started and that ended as {@code result}. */
  public long count(Trigger trigger, Result result) {
    return counts[index(trigger, result)].sum();
  }

  private static int index(Trigger trigger, Result result) {
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(result, "result");
    return trigger.ordinal() * Result.values().length + result.ordinal();
  }
}
