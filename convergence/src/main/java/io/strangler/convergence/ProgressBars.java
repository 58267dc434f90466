package io.strangler.convergence;

import io.strangler.importer.Terminal;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The scan's progress for a person: a progress bar on standard error when standard output is a
 * terminal (as the import shows one), nothing otherwise. The total is unknown while SCAN runs, so
 * the bar counts entities and names the type being scanned.
 */
public final class ProgressBars implements DriftScanner.Progress, AutoCloseable {
  private final ProgressBar bar;
  private long done;
  private EntityType current;
  private long currentBase;

  private ProgressBars(ProgressBar bar) {
    this.bar = bar;
  }

  /** A bar on a terminal, or a no-op elsewhere (and when {@code enabled} is false). */
  public static ProgressBars auto(String task, boolean enabled) {
    if (!enabled || !Terminal.isTerminal()) {
      return new ProgressBars(null);
    }
    return new ProgressBars(
        ProgressBar.builder()
            .setTaskName(task)
            .setInitialMax(-1)
            .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
            .setUpdateIntervalMillis(250)
            .setUnit(" entities", 1)
            .showSpeed()
            .build());
  }

  @Override
  public synchronized void scanned(EntityType type, long scannedSoFar) {
    if (bar == null) {
      return;
    }
    if (type != current) {
      current = type;
      currentBase = done;
    }
    done = currentBase + scannedSoFar;
    bar.stepTo(done);
    bar.setExtraMessage(String.format(Locale.ROOT, " | %s", type.cliName()));
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
