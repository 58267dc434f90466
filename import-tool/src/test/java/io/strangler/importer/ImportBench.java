package io.strangler.importer;

import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.Servers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The import against a plain COPY of the same rows into the same tables on the same server, side by
 * side in one run (bench/import). Seeds a legacy dataset into a Redis of its own, SAVEs it, then
 * per round: imports the RDB (REPLACE mode, end to end: parse, stage, check, move, commit), exports
 * what landed in the control-plane tables, empties them, and times a plain binary COPY of those
 * rows back in, in one transaction. The last line is the throughput ratio, import over plain COPY,
 * of the best round of each.
 *
 * <p>Arguments: {@code --repls N} (1000000), {@code --machines M} (2000), {@code --rounds R} (2),
 * {@code --seed S} (1). PostgreSQL is STRANGLER_POSTGRES_URL's server or an embedded one.
 */
public final class ImportBench {
  private ImportBench() {}

  public static void main(String[] args) throws Exception {
    int repls = 1_000_000;
    int machines = 2_000;
    int rounds = 2;
    long seed = 1;
    Path keep = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--repls" -> repls = Integer.parseInt(args[++i]);
        case "--machines" -> machines = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--rdb" -> keep = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("strangler-import-bench");
    try {
      run(dir, repls, machines, rounds, seed, keep);
    } finally {
      deleteTree(dir);
    }
  }

  private static void run(Path dir, int repls, int machines, int rounds, long seed, Path keep)
      throws Exception {
    Path rdb = keep != null && Files.exists(keep) ? keep : seedAndSave(dir, repls, machines, seed);
    if (keep != null && !rdb.equals(keep)) {
      rdb = Files.copy(rdb, keep);
    }
    System.out.printf(Locale.ROOT, "rdb %s: %.1f MB%n", rdb, Files.size(rdb) / 1048576.0);
    measure(dir, rdb, rounds);
  }

  private static Path seedAndSave(Path dir, int repls, int machines, long seed) {
    try (OwnRedis redis = OwnRedis.system(dir).orElseGet(() -> OwnRedis.embedded(dir))) {
      SeedSummary s =
          Seeder.seed(
              SeedOptions.builder()
                  .redis(redis.uri(0))
                  .repls(repls)
                  .machines(machines)
                  .seed(seed)
                  .build());
      System.out.print("redis " + redis.version() + ": " + s.render());
      return redis.save();
    }
  }

  private static void measure(Path dir, Path rdb, int rounds) throws Exception {

    PostgresEndpoint server = Servers.postgres();
    String name = "strangler_bench_import";
    PostgresEndpoint db = server.createDatabase(name);
    try {
      new PostgresControlPlane(db.jdbcUrl(), db.user(), db.password(), 2).close();
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        st.execute("SHOW server_version");
        var rs = st.getResultSet();
        rs.next();
        System.out.println("postgresql " + rs.getString(1) + " at " + server.jdbcUrl());
      }
      double bestImport = Double.MAX_VALUE;
      double bestCopy = Double.MAX_VALUE;
      long rows = 0;
      for (int round = 1; round <= rounds; round++) {
        ImportOutcome out =
            Importer.run(
                ImportOptions.builder()
                    .rdb(rdb)
                    .postgres(db)
                    .mode(ImportMode.REPLACE)
                    .progress(ImportOptions.Progress.NONE)
                    .build());
        if (!(out instanceof ImportOutcome.Imported imported)) {
          throw new IllegalStateException("import failed: " + out);
        }
        ImportSummary sum = imported.summary();
        rows = sum.importedRows();
        double importSeconds = sum.elapsed().toNanos() / 1e9;
        System.out.printf(
            Locale.ROOT,
            "round %d import: %,d keys -> %,d rows in %.2f s: %,.0f rows/s, %,.0f keys/s,"
                + " %d rejects%n",
            round,
            sum.keysRead(),
            rows,
            importSeconds,
            rows / importSeconds,
            sum.keysPerSecond(),
            sum.rejectedTotal());
        System.out.print(
            "  "
                + sum.render()
                    .lines()
                    .filter(l -> l.contains("phases"))
                    .findFirst()
                    .orElse("")
                    .trim()
                + "\n");
        double copySeconds = plainCopy(db, dir);
        System.out.printf(
            Locale.ROOT,
            "round %d plain COPY of the same %,d rows: %.2f s: %,.0f rows/s%n",
            round,
            rows,
            copySeconds,
            rows / copySeconds);
        bestImport = Math.min(bestImport, importSeconds);
        bestCopy = Math.min(bestCopy, copySeconds);
      }
      System.out.printf(
          Locale.ROOT,
          "best: import %,.0f rows/s, plain COPY %,.0f rows/s%n",
          rows / bestImport,
          rows / bestCopy);
      System.out.printf(Locale.ROOT, "ratio %.3f%n", bestCopy / bestImport);
    } finally {
      server.dropDatabase(name);
    }
  }

  /**
   * Exports the control-plane tables, empties them, and times a binary COPY of the rows back in
   * foreign-key order in one transaction: what a bulk load without the import's checks costs.
   */
  private static double plainCopy(PostgresEndpoint db, Path dir) throws SQLException, IOException {
    List<Path> files = new ArrayList<>();
    try (Connection c = db.connect()) {
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (String t : PostgresLoader.TABLES) {
        Path f = dir.resolve(t + ".copy");
        try (OutputStream out = Files.newOutputStream(f)) {
          copy.copyOut("COPY " + t + " TO STDOUT (FORMAT binary)", out);
        }
        files.add(f);
      }
      try (Statement st = c.createStatement()) {
        st.execute("TRUNCATE " + String.join(", ", PostgresLoader.TABLES));
        st.execute("CHECKPOINT");
      }
      long start = System.nanoTime();
      c.setAutoCommit(false);
      for (int i = 0; i < files.size(); i++) {
        try (InputStream in = Files.newInputStream(files.get(i))) {
          copy.copyIn("COPY " + PostgresLoader.TABLES.get(i) + " FROM STDIN (FORMAT binary)", in);
        }
      }
      c.commit();
      double seconds = (System.nanoTime() - start) / 1e9;
      for (Path f : files) {
        Files.delete(f);
      }
      return seconds;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
