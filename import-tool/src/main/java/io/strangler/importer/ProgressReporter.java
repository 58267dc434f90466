package io.strangler.importer;

import java.time.Clock;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows how far the read of the source has come and which phase the load is in: a progress bar on a
 * terminal, a log line every few seconds otherwise, or nothing.
 */
interface ProgressReporter extends AutoCloseable {
  /** {@code total} units (bytes of the file, or keys of the server) are to be read. */
  void start(long total, boolean bytes);

  /** {@code done} units and {@code keys} keys are read so far. */
  void progress(long done, long keys);

  /** A phase of the load begins. */
  void phase(String what);

  @Override
  void close();

  static ProgressReporter create(ImportOptions.Progress mode, Clock clock) {
    return switch (mode) {
      case NONE -> new None();
      case BAR -> new Bar();
      case LOG -> new Log(clock);
      case AUTO -> onTerminal() ? new Bar() : new Log(clock);
    };
  }

  private static boolean onTerminal() {
    return Terminal.isTerminal();
  }

  /** Reports nothing. */
  final class None implements ProgressReporter {
    @Override
    public void start(long total, boolean bytes) {}

    @Override
    public void progress(long done, long keys) {}

    @Override
    public void phase(String what) {}

    @Override
    public void close() {}
  }

  /**
   * A progress bar on the terminal (standard error). The libraries' INFO lines are held back while
   * it runs ({@link LibraryLogs}): they would break the bar's line.
   */
  final class Bar implements ProgressReporter {
    private ProgressBar bar;
    private LibraryLogs quiet;
    private long keys;

    @Override
    public void start(long total, boolean bytes) {
      var b =
          ProgressBar.builder()
              .setTaskName("import")
              .setInitialMax(total)
              .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
              .setUpdateIntervalMillis(250)
              .showSpeed();
      if (bytes) {
        b.setUnit(" MB", 1 << 20);
      } else {
        b.setUnit(" keys", 1);
      }
      quiet = LibraryLogs.quiet();
      bar = b.build();
    }

    @Override
    public void progress(long done, long keys) {
      this.keys = keys;
      if (bar != null) {
        bar.stepTo(done);
        bar.setExtraMessage(String.format(Locale.ROOT, " | %,d keys", keys));
      }
    }

    @Override
    public void phase(String what) {
      if (bar != null) {
        bar.stepTo(bar.getMax());
        bar.setExtraMessage(String.format(Locale.ROOT, " | %,d keys | %s", keys, what));
      }
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
      if (quiet != null) {
        quiet.close();
      }
    }
  }

  /** A log line every few seconds while reading, and one per load phase. */
  final class Log implements ProgressReporter {
    private static final Logger log = LoggerFactory.getLogger("io.strangler.importer.progress");
    private static final long EVERY_MILLIS = 5_000;

    private final Clock clock;
    private long total;
    private boolean bytes;
    private long started;
    private long lastLine;

    Log(Clock clock) {
      this.clock = clock;
    }

    @Override
    public void start(long total, boolean bytes) {
      this.total = total;
      this.bytes = bytes;
      this.started = clock.millis();
      this.lastLine = started;
    }

    @Override
    public void progress(long done, long keys) {
      long now = clock.millis();
      if (now - lastLine < EVERY_MILLIS) {
        return;
      }
      lastLine = now;
      double seconds = Math.max(1, now - started) / 1000.0;
      log.info(
          String.format(
              Locale.ROOT,
              "read %.0f%% (%s of %s), %,d keys, %,.0f keys/s",
              total == 0 ? 100.0 : 100.0 * done / total,
              amount(done),
              amount(total),
              keys,
              keys / seconds));
    }

    private String amount(long n) {
      return bytes
          ? String.format(Locale.ROOT, "%.1f MB", n / 1048576.0)
          : String.format(Locale.ROOT, "%,d keys", n);
    }

    @Override
    public void phase(String what) {
      log.info(what);
    }

    @Override
    public void close() {}
  }
}
