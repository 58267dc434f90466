package io.strangler.importer;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.importer.ImportOptions.Source;
import io.strangler.legacy.LegacyRedisControlPlane;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.postgresql.copy.PGCopyOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a legacy Redis backup into the PostgreSQL control plane, all or nothing:
 *
 * <ol>
 *   <li>applies the control plane's schema if the database lacks it, and refuses a non-empty
 *       control plane in EMPTY mode before reading anything;
 *   <li>streams the source (an RDB file, or a live server with SCAN) key by key through {@link
 *       Stager}, which checks each key alone and writes it as staging rows onto one binary COPY;
 *   <li>in one transaction ({@link Move}): checks references in SQL, sends offenders to the
 *       rejects, moves the rest into the live tables, recomputes derived columns; then commits
 *       unless {@code --max-rejects} is exceeded;
 *   <li>optionally verifies a sample of repls, legacy reads against control-plane reads.
 * </ol>
 *
 * <p>Memory stays bounded whatever the backup's size: one key at a time in the reader, one buffer
 * in the COPY stream; the database does the joins.
 */
public final class Importer {
  private static final Logger log = LoggerFactory.getLogger(Importer.class);
  private static final int COPY_CHUNK = 256 * 1024;
  private static final int VERIFY_POOL = 4;

  private Importer() {}

  /** Runs one import; every failure is an outcome, never an exception. */
  public static ImportOutcome run(ImportOptions options) {
    Clock clock = options.clock();
    Instant start = clock.instant();
    ImportSummary summary;
    List<String> sample;
    try (ProgressReporter progress = ProgressReporter.create(options.progress(), clock)) {
      // One timer from the start: its phases are the summary's only times, and add up.
      PhaseTimer phases = new PhaseTimer(progress::phase);
      phases.start("opening the source");
      // A source that cannot even be opened fails before the database is touched.
      long sourceSize = preflight(options);
      if (options.verifySamples() > 0) {
        // Found out now, not after the commit as a parity of 0%.
        phases.start("checking the verification's Redis");
        checkVerifyRedis(options.verifyRedisUrl());
      }
      phases.start("preparing the control plane");
      applySchema(options.postgres());
      try (PostgresLoader pg = PostgresLoader.connect(options.postgres());
          Rejects rejects = new Rejects(options.rejectsFile(), options.maxRejects())) {
        pg.requireSchema();
        if (options.mode() == ImportMode.EMPTY) {
          pg.requireEmpty();
        }
        pg.prepare();
        phases.start("reading and staging");
        Read read = read(options, pg, rejects, progress, sourceSize);
        EnumMap<Stage, Long> stagedCounts = read.stager().staged();
        if (read.mayRepeatKeys()) {
          phases.start("dropping keys the scan returned twice");
          pg.dedupe();
          stagedCounts = pg.stagedCounts();
        }
        // Both before the transaction: a source of another application never gets near the
        // control plane's tables, whatever the mode.
        requireLegacy(options, stagedCounts, read.stager().keys(), rejects);
        requireRejectShare(options, rejects, read.stager().keys());
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Move.Keep keep =
            new Move.Keep(
                ReplacedTables.nameFor(now),
                "the control-plane tables before strangler import --mode replace of "
                    + options.source()
                    + " at "
                    + now);
        PostgresLoader.Moved moved = pg.checkAndMove(options.mode(), stagedCounts, phases, keep);
        phases.start("reading the rejects");
        pg.sqlRejects(rejects::add);
        requireRejectShare(options, rejects, read.stager().keys());
        phases.start("committing");
        pg.commit();
        phases.stop();
        Instant end = clock.instant();
        Map<String, Long> byReason = new TreeMap<>();
        rejects.counts().forEach((r, n) -> byReason.put(r.code(), n));
        summary =
            new ImportSummary(
                options.source().toString(),
                options.mode(),
                Instant.ofEpochMilli(read.stager().backupTimeMillis()),
                read.stager().keys(),
                read.keysInOtherDbs(),
                read.stager().skippedExpired(),
                moved.rows(),
                byReason,
                moved.keptIn(),
                Duration.between(start, end),
                phases.phases());
        sample =
            options.verifySamples() > 0
                ? pg.sampleRepls(options.verifySamples(), options.verifySeed())
                : List.of();
      }
    } catch (ImportException e) {
      log.debug("import failed", e);
      return new ImportOutcome.Failed(e.kind(), e.getMessage() + nothingChanged(e.kind()));
    } catch (Rejects.TooManyRejectsException e) {
      return new ImportOutcome.Failed(
          ImportOutcome.FailureKind.TOO_MANY_REJECTS,
          e.getMessage() + nothingChanged(ImportOutcome.FailureKind.TOO_MANY_REJECTS));
    } catch (UncheckedIOException e) {
      return new ImportOutcome.Failed(
          ImportOutcome.FailureKind.BAD_INPUT,
          "cannot write: " + e.getCause().getMessage() + "; nothing was changed");
    }
    VerifyReport report = null;
    if (options.verifySamples() > 0) {
      report = verify(options, sample);
    }
    return new ImportOutcome.Imported(summary, report);
  }

  private static String nothingChanged(ImportOutcome.FailureKind kind) {
    return kind == ImportOutcome.FailureKind.TARGET_NOT_EMPTY
        ? ""
        : "; the control plane was not changed";
  }

  /** Creates the control plane's tables in an empty database (the plane migrates on start). */
  private static void applySchema(PostgresEndpoint pg) {
    try {
      new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password(), 2).close();
    } catch (ControlPlaneException e) {
      if (e.code() == ErrorCode.UNAVAILABLE) {
        throw ImportException.unavailable(
            "cannot connect to PostgreSQL at " + pg.jdbcUrl() + ": " + rootMessage(e), e);
      }
      throw ImportException.database(
          "cannot prepare the control-plane schema at " + pg.jdbcUrl() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw ImportException.database(
          "cannot prepare the control-plane schema at " + pg.jdbcUrl() + ": " + rootMessage(e), e);
    }
  }

  private static String withoutFullStop(String message) {
    return message != null && message.endsWith(".")
        ? message.substring(0, message.length() - 1)
        : message;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  /** How long the Redis for verification may take to connect and answer PING. */
  private static final int VERIFY_PING_MILLIS = 5_000;

  private static void checkVerifyRedis(String url) {
    RedisScanReader.RedisTarget target = RedisScanReader.RedisTarget.parse(url, null);
    try {
      RedisScanReader.ping(target, VERIFY_PING_MILLIS);
    } catch (RuntimeException e) {
      throw ImportException.unavailable(
          "cannot reach the Redis for verification (--verify-redis) at "
              + target.display()
              + ": "
              + withoutFullStop(rootMessage(e))
              + "; start it, or import without --verify",
          e);
    }
  }

  /**
   * Refuses a source without the legacy layout's topology or without a single entity it could
   * import: a backup of another application, or of the wrong logical database, would otherwise
   * empty the control plane in REPLACE mode and report success.
   */
  private static void requireLegacy(
      ImportOptions options, EnumMap<Stage, Long> staged, long keys, Rejects rejects) {
    boolean topology = staged.get(Stage.REGION) > 0 && staged.get(Stage.REGION_CLUSTER) > 0;
    long entities =
        staged.get(Stage.REPL)
            + staged.get(Stage.MACHINE)
            + staged.get(Stage.CONTAINER)
            + staged.get(Stage.TOMBSTONE);
    if (topology && entities > 0) {
      return;
    }
    List<String> missing = new java.util.ArrayList<>();
    if (!topology) {
      missing.add("no topology (topology:regions and a topology:region:{region} set)");
    }
    if (entities == 0) {
      missing.add("no repl, machine, container or tombstone it could read");
    }
    throw ImportException.notLegacy(
        options.source()
            + " holds no legacy control plane in database "
            + options.db()
            + ": "
            + String.join(" and ", missing)
            + " among its "
            + keys
            + " keys"
            + (rejects.total() > 0 ? " (rejected: " + rejects.commonest(3) + ")" : "")
            + "; check that it is a backup of the legacy control plane"
            + " (docs/legacy-redis-layout.md) and that --db names its database");
  }

  /** Fails when the rejects pass the share of the keys read that the options allow. */
  private static void requireRejectShare(ImportOptions options, Rejects rejects, long keys) {
    double share = options.maxRejectShare();
    long n = rejects.total();
    if (share < 0 || n == 0 || n * 100.0 <= share * keys) {
      return;
    }
    throw ImportException.tooManyRejects(
        String.format(
            java.util.Locale.ROOT,
            "%d of %d keys read were rejected (%.2f%%), more than --max-reject-share %s%% allows:"
                + " %s; see them with --rejects FILE, and if they are expected raise"
                + " --max-reject-share or give --max-rejects N",
            n,
            keys,
            100.0 * n / keys,
            java.math.BigDecimal.valueOf(share).stripTrailingZeros().toPlainString(),
            rejects.commonest(3)));
  }

  private record Read(Stager stager, long keysInOtherDbs, boolean mayRepeatKeys) {}

  /** Opens the source far enough to know it is there: the RDB's header, or the server's size. */
  private static long preflight(ImportOptions options) {
    return switch (options.source()) {
      case Source.RdbFile f -> new RdbReader(f.path(), options.db(), at -> {}).checkHeader();
      case Source.LiveRedis r ->
          new RedisScanReader(
                  RedisScanReader.RedisTarget.parse(r.url(), options.db()),
                  RedisScanReader.DEFAULT_PAGE,
                  n -> {})
              .dbSize();
    };
  }

  private static Read read(
      ImportOptions options,
      PostgresLoader pg,
      Rejects rejects,
      ProgressReporter progress,
      long sourceSize) {
    OutputStream copy = pg.openCopy();
    boolean done = false;
    try {
      BinaryCopyWriter out = new BinaryCopyWriter(copy, COPY_CHUNK);
      Stager stager = new Stager(out, rejects);
      Read read =
          switch (options.source()) {
            case Source.RdbFile f -> {
              RdbReader reader =
                  new RdbReader(f.path(), options.db(), at -> progress.progress(at, stager.keys()));
              progress.start(sourceSize, true);
              RdbReader.Stats stats = reader.read(stager);
              if (!stats.ctimeFound()) {
                log.info("{} has no ctime field: the file's time is the backup's time", f.path());
              }
              yield new Read(stager, stats.keysInOtherDbs(), false);
            }
            case Source.LiveRedis r -> {
              RedisScanReader reader =
                  new RedisScanReader(
                      RedisScanReader.RedisTarget.parse(r.url(), options.db()),
                      RedisScanReader.DEFAULT_PAGE,
                      n -> progress.progress(n, stager.keys()));
              progress.start(sourceSize, false);
              reader.read(stager);
              yield new Read(stager, 0, RedisScanReader.mayRepeatKeys());
            }
          };
      out.finish();
      pg.endCopy(copy);
      done = true;
      return read;
    } catch (IOException e) {
      throw ImportException.database("COPY into the staging table failed: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw ImportException.database(
          "COPY into the staging table failed: " + e.getCause().getMessage(), e);
    } finally {
      if (!done) {
        cancel(copy);
      }
    }
  }

  private static void cancel(OutputStream copy) {
    try {
      if (copy instanceof PGCopyOutputStream c && c.isActive()) {
        c.cancelCopy();
      }
    } catch (Exception e) {
      // The session is closed next, which ends the COPY anyway.
    }
  }

  private static VerifyReport verify(ImportOptions options, List<String> sample) {
    try {
      return verifyOrThrow(options, sample);
    } catch (RuntimeException e) {
      log.debug("verification failed", e);
      return VerifyReport.failed(options.verifyThreshold(), rootMessage(e));
    }
  }

  private static VerifyReport verifyOrThrow(ImportOptions options, List<String> sample) {
    PostgresEndpoint pg = options.postgres();
    try (LegacyRedisControlPlane legacy =
            LegacyRedisControlPlane.create(options.verifyRedisUrl(), VERIFY_POOL);
        PostgresControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password(), VERIFY_POOL)) {
      return new Verifier(
              legacy,
              controlPlane,
              ReadComparator.diffEngine(),
              options.clock(),
              options.maxDifferences())
          .verify(sample, options.verifyThreshold());
    }
  }
}
