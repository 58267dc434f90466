package io.strangler.proxy;

import io.strangler.convergence.Side;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drift scan the proxy starts by itself when an API needs one (its repair journal lost entries,
 * docs/convergence.md): one at a time (it shares the wiring's one scan with {@code POST
 * /admin/repairs/scan}), rate-limited like the repairer, from the side authoritative for every API,
 * on a thread of its own. A scan that fails (a store is down) or leaves differences it could not
 * repair is tried again after a back-off that doubles up to a bound; a scan that leaves none clears
 * the marks it covers, and the readiness and cut-over gates that were "unknown" become known again.
 */
final class AutoDriftScan implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AutoDriftScan.class);

  /**
   * @param every how often the marks are looked at
   * @param minBackoff the first wait after a scan that failed or left differences
   * @param maxBackoff the longest wait between tries
   */
  record Config(Duration every, Duration minBackoff, Duration maxBackoff) {
    Config {
      Objects.requireNonNull(every, "every");
      Objects.requireNonNull(minBackoff, "minBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (!every.isPositive() || minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException(
            "need every > 0 and 0 <= minBackoff <= maxBackoff, got " + this);
      }
    }

    /** Looks every 2 s; waits 5 s after a scan that failed, doubling up to 5 min. */
    static Config defaults() {
      return new Config(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMinutes(5));
    }
  }

  private final RepairWiring wiring;
  private final Config config;
  private final Thread thread;
  private final AtomicLong started = new AtomicLong();
  private final AtomicReference<String> waiting = new AtomicReference<>();
  private volatile boolean closing;

  private AutoDriftScan(RepairWiring wiring, Config config) {
    this.wiring = wiring;
    this.config = config;
    this.thread = Thread.ofPlatform().name("repair-auto-scan").daemon(true).unstarted(this::run);
  }

  static AutoDriftScan start(RepairWiring wiring, Config config) {
    AutoDriftScan a =
        new AutoDriftScan(Objects.requireNonNull(wiring), Objects.requireNonNull(config));
    a.thread.start();
    return a;
  }

  /** Scans started so far. */
  long started() {
    return started.get();
  }

  /** Why a scan that is needed is not running, or null. */
  String waiting() {
    return waiting.get();
  }

  private void run() {
    Duration backoff = config.minBackoff();
    long nextTry = System.nanoTime();
    while (!closing) {
      pause(config.every());
      if (closing) {
        return;
      }
      if (wiring.marks().isEmpty()) {
        backoff = config.minBackoff();
        waiting.set(null);
        continue;
      }
      if (System.nanoTime() - nextTry < 0) {
        continue;
      }
      Side from = wiring.authoritativeForAll();
      if (from == null) {
        note("the APIs are not all authoritative on one side: no side to repair from");
      } else {
        RepairWiring.ScanRun run = wiring.runScan(from);
        if (run == null) {
          continue; // one started through the admin route runs: it clears the marks too
        }
        started.incrementAndGet();
        if (run.error() == null && run.remaining() == 0) {
          backoff = config.minBackoff();
          waiting.set(null);
          nextTry = System.nanoTime();
          continue;
        }
        note(
            run.error() != null
                ? "the last drift scan failed: " + run.error()
                : run.remaining() + " differences were left unrepaired");
      }
      nextTry = System.nanoTime() + backoff.toNanos();
      backoff = backoff.multipliedBy(2);
      if (backoff.compareTo(config.maxBackoff()) > 0) {
        backoff = config.maxBackoff();
      }
    }
  }

  private void note(String why) {
    if (!why.equals(waiting.getAndSet(why))) {
      log.warn("automatic drift scan postponed: {}", why);
    }
  }

  private void pause(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    long left;
    while (!closing && (left = until - System.nanoTime()) > 0) {
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  /**
   * Stops looking; a scan running is stopped by the wiring (it interrupts and closes its stores).
   */
  @Override
  public void close() {
    closing = true;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
