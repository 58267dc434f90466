package io.strangler.convergence;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.importer.ImportMode;
import io.strangler.importer.ImportOptions;
import io.strangler.importer.ImportOutcome;
import io.strangler.importer.Importer;
import io.strangler.importer.SeedOptions;
import io.strangler.importer.SeedSummary;
import io.strangler.importer.Seeder;
import io.strangler.servers.Servers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The drift scan of every entity type on two identical stores, side by side with the import of the
 * same data (bench/drift). Seeds a legacy dataset into one Redis logical database, then per round:
 * imports it over SCAN into PostgreSQL (REPLACE), and times {@code drift scan --entities all} of
 * both stores, which must find nothing. Prints each round, the median and spread of both, and the
 * ratio of the medians, scan over import (the goal is at most 2).
 *
 * <p>Arguments: {@code --repls N} (200000), {@code --machines M} (400), {@code --rounds R} (3),
 * {@code --db D} (Redis logical database, 14). Servers: STRANGLER_REDIS_URL and
 * STRANGLER_POSTGRES_URL, else embedded ones.
 */
public final class DriftBench {
  private DriftBench() {}

  public static void main(String[] args) throws Exception {
    int repls = 200_000;
    int machines = 400;
    int rounds = 3;
    int db = 14;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--repls" -> repls = Integer.parseInt(args[++i]);
        case "--machines" -> machines = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--db" -> db = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    RedisEndpoint redisServer = Servers.redis();
    String redis = redisServer.uri(db);
    SeedSummary seeded =
        Seeder.seed(
            SeedOptions.builder()
                .redis(redis)
                .repls(repls)
                .machines(machines)
                .seed(7)
                .flush(true)
                .build());
    System.out.print(seeded.render());
    PostgresEndpoint server = Servers.postgres();
    String name = "strangler_bench_drift";
    PostgresEndpoint pg = server.createDatabase(name);
    List<Double> imports = new ArrayList<>();
    List<Double> scans = new ArrayList<>();
    try {
      String pgUrl =
          pg.jdbcUrl()
              + (pg.user() == null ? "" : "?user=" + pg.user())
              + (pg.password() == null ? "" : "&password=" + pg.password());
      for (int round = 1; round <= rounds; round++) {
        long t0 = System.nanoTime();
        ImportOutcome out =
            Importer.run(
                ImportOptions.builder()
                    .redis(redis)
                    .postgres(pg)
                    .mode(ImportMode.REPLACE)
                    .progress(ImportOptions.Progress.NONE)
                    .build());
        double importSeconds = (System.nanoTime() - t0) / 1e9;
        if (!(out instanceof ImportOutcome.Imported)) {
          throw new IllegalStateException("import failed: " + out);
        }
        DriftReport report;
        long t1 = System.nanoTime();
        try (Stores stores = Stores.open(redis, pgUrl, 4, Clock.systemUTC())) {
          report = stores.scanner().scan(DriftScanner.Options.all());
        }
        double scanSeconds = (System.nanoTime() - t1) / 1e9;
        long scanned =
            report.types().values().stream().mapToLong(DriftReport.TypeReport::scanned).sum();
        System.out.printf(
            Locale.ROOT,
            "round %d: import %.2f s, drift scan %.2f s (%,d entities, %,.0f/s, %d differ)%n",
            round,
            importSeconds,
            scanSeconds,
            scanned,
            scanned / scanSeconds,
            report.drifted());
        if (report.hasDrift()) {
          System.out.print(report.toText());
          throw new IllegalStateException("the scan found drift on identical stores");
        }
        imports.add(importSeconds);
        scans.add(scanSeconds);
      }
    } finally {
      server.dropDatabase(name);
    }
    System.out.printf(
        Locale.ROOT, "import: median %.2f s, spread %s%n", median(imports), spread(imports));
    System.out.printf(
        Locale.ROOT, "scan:   median %.2f s, spread %s%n", median(scans), spread(scans));
    System.out.printf(
        Locale.ROOT, "ratio scan/import %.2f (goal <= 2)%n", median(scans) / median(imports));
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String spread(List<Double> xs) {
    return String.format(Locale.ROOT, "%.2f..%.2f s", Collections.min(xs), Collections.max(xs));
  }
}
