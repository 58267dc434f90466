package io.strangler.cli;

import io.strangler.convergence.DriftRepair;
import io.strangler.convergence.DriftReport;
import io.strangler.convergence.DriftScanner;
import io.strangler.convergence.EntityType;
import io.strangler.convergence.ProgressBars;
import io.strangler.convergence.Side;
import io.strangler.convergence.Stores;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code strangler drift scan|repair}: compares the legacy Redis and the PostgreSQL control plane
 * entity by entity, and copies what differs from the named side (docs/convergence.md).
 */
@Command(
    name = "drift",
    mixinStandardHelpOptions = true,
    description = "Finds and repairs differences between the legacy store and the new one.",
    subcommands = {DriftCommand.Scan.class, DriftCommand.Repair.class})
final class DriftCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The options both subcommands share. */
  abstract static class Common {
    @Spec CommandSpec spec;

    @Option(
        names = "--redis",
        required = true,
        paramLabel = "URL",
        description = "The legacy store: redis://host:port[/db].")
    String redis;

    @Option(
        names = "--postgres",
        required = true,
        paramLabel = "URL",
        description = "The control plane: postgresql://user[:password]@host:port/db or a JDBC URL.")
    String postgres;

    @Option(
        names = "--entities",
        paramLabel = "LIST",
        defaultValue = "all",
        description = "repls,machines,containers,tombstones,slugs or all (default).")
    String entities;

    @Option(
        names = "--sample",
        paramLabel = "N",
        defaultValue = "0",
        description = "Compare at most N entities per type (0: all).")
    long sample;

    @Option(
        names = "--rate",
        paramLabel = "N/s",
        description = "At most N entities a second, to spare a serving system (default: no limit).")
    String rate;

    @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
    boolean noProgress;

    DriftScanner.Options scanOptions() {
      try {
        Set<EntityType> types = EntityType.parseList(entities);
        return new DriftScanner.Options(types, sample, parseRate(rate), 500, 5);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
    }

    Stores open() {
      try {
        return Stores.open(redis, postgres, 4, Clock.systemUTC());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
    }

    int storeFailure(Exception e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("drift " + spec.name() + " failed: " + e.getMessage());
      err.flush();
      return 1;
    }

    static double parseRate(String rate) {
      if (rate == null) {
        return 0;
      }
      String r = rate.trim().toLowerCase(Locale.ROOT);
      if (r.endsWith("/s")) {
        r = r.substring(0, r.length() - 2);
      }
      try {
        double v = Double.parseDouble(r);
        if (!(v > 0)) {
          throw new IllegalArgumentException("--rate must be above 0, got '" + rate + "'");
        }
        return v;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--rate takes N/s, e.g. 2000/s; got '" + rate + "'", e);
      }
    }
  }

  @Command(
      name = "scan",
      mixinStandardHelpOptions = true,
      description = "Compares both stores entity by entity and reports the differences per type.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:the stores are equal", "1:a store failed", "2:bad usage", "3:drift found"})
  static final class Scan extends Common implements Callable<Integer> {
    @Mixin ReportOptions output;

    @Override
    public Integer call() {
      DriftScanner.Options options = scanOptions();
      DriftReport r;
      try (Stores stores = open();
          ProgressBars bar = ProgressBars.auto("drift scan", !noProgress && !output.json)) {
        r = stores.scanner().scan(options, DriftScanner.Listener.NONE, bar);
      } catch (SQLException | JedisException | IllegalStateException e) {
        return storeFailure(e);
      }
      try {
        output.emit(spec.commandLine().getOut(), r.toJson(), r::toText);
      } catch (UncheckedIOException e) {
        return storeFailure(e.getCause());
      }
      return r.hasDrift() ? 3 : 0;
    }
  }

  @Command(
      name = "repair",
      mixinStandardHelpOptions = true,
      description = {
        "Copies each entity that differs between the stores from the named side to the other.",
        "",
        "Scans both stores and copies through the entity sync, which re-reads before it writes:",
        "safe while the proxy serves (docs/convergence.md)."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:every difference found was repaired (or, with --dry-run, none was found)",
        "1:a store failed",
        "2:bad usage",
        "3:differences remain (failed, kept changing, over --max, or a dry run found some)"
      })
  static final class Repair extends Common implements Callable<Integer> {
    @Option(
        names = "--from",
        required = true,
        paramLabel = "legacy|new",
        description = "The side whose state wins.")
    String from;

    @Option(names = "--dry-run", description = "Say what would change; write nothing.")
    boolean dryRun;

    @Option(
        names = "--max",
        paramLabel = "N",
        defaultValue = "0",
        description = "Repair at most N entities (0: all).")
    long max;

    @Override
    public Integer call() {
      DriftRepair.Options options;
      try {
        options = new DriftRepair.Options(scanOptions(), Side.parse(from), dryRun, max);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      DriftRepair.Report r;
      try (Stores stores = open();
          ProgressBars bar = ProgressBars.auto("drift repair", !noProgress)) {
        r = stores.repair().repair(options, bar);
      } catch (SQLException | JedisException | IllegalStateException e) {
        return storeFailure(e);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(r.toText());
      out.flush();
      long left =
          r.count(DriftRepair.Outcome.FAILED)
              + r.count(DriftRepair.Outcome.CONFLICT)
              + r.count(DriftRepair.Outcome.SKIPPED_OVER_MAX)
              + r.count(DriftRepair.Outcome.WOULD_SYNC);
      return left > 0 ? 3 : 0;
    }
  }
}
