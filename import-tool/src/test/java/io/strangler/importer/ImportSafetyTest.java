package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * An import that cannot destroy a control plane: a backup of another application, a backup with too
 * many rejects, a verification server that is down, are refused before anything changes; REPLACE
 * keeps what it replaced; and the findings of issue 11 about messages and output.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportSafetyTest {
  @TempDir static Path dir;

  private RealServers.PostgresDb pg;
  private OwnRedis redis;

  /** A legacy backup of 200 repls. */
  private Path legacy;

  /** A later backup of the same legacy database, with one more repl. */
  private Path later;

  /** A backup of another application: sessions, users, a queue, a leaderboard. */
  private Path foreign;

  /** Repls, machines and containers but no topology keys. */
  private Path noTopology;

  /** The legacy backup plus keys of other shapes that had expired before the SAVE. */
  private Path expiredForeign;

  /** The legacy backup plus 2% of keys of no legacy shape. */
  private Path twoPercentRejects;

  private long legacyKeys;

  @BeforeAll
  void backups(RealServers.PostgresDb pg) {
    this.pg = pg;
    redis = OwnRedis.embedded(dir);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Seeder.seed(SeedOptions.builder().redis(redis.uri(0)).repls(200).machines(8).now(now).build());
    legacy = saveAs("legacy.rdb");
    try (Jedis j = redis.connect(0)) {
      legacyKeys = j.dbSize();
      Map<String, String> repl = j.hgetAll("repl:" + j.get(j.keys("slug:*").iterator().next()));
      repl.put("replId", "repl-later");
      repl.put("slug", "later-one");
      j.hset("repl:repl-later", repl);
      j.set("slug:later-one", "repl-later");
    }
    later = saveAs("later.rdb");
    try (Jedis j = redis.connect(0)) {
      for (int i = 0; i < legacyKeys / 50 + 1; i++) {
        j.set("cache:item-" + i, "x");
      }
    }
    twoPercentRejects = saveAs("two-percent.rdb");
    try (Jedis j = redis.connect(0)) {
      for (String key : j.keys("cache:*")) {
        j.del(key);
      }
      j.del("repl:repl-later", "slug:later-one");
      j.del(j.keys("topology:*").toArray(new String[0]));
    }
    noTopology = saveAs("no-topology.rdb");
    try (Jedis j = redis.connect(0)) {
      j.flushAll();
      Seeder.seed(
          SeedOptions.builder().redis(redis.uri(0)).repls(200).machines(8).now(now).build());
      // Keep expired keys in memory, as a busy server does until it gets round to them: the
      // SAVE writes them with their expiry.
      ProtocolCommand debug = () -> "DEBUG".getBytes(StandardCharsets.US_ASCII);
      j.sendCommand(debug, "SET-ACTIVE-EXPIRE", "0");
      j.set("session:gone", "x");
      j.pexpire("session:gone", 1);
      j.rpush("repl:repl-00000001:log", "x"); // no legacy shape, and a list
      j.pexpire("repl:repl-00000001:log", 1);
      j.rpush("repl:repl-gone:current", "x"); // a legacy shape, of the wrong type
      j.pexpire("repl:repl-gone:current", 1);
    }
    // The backup's time (its ctime, whole seconds) must pass the keys' expiry.
    Instant expired = Instant.now().plusSeconds(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expired));
    expiredForeign = saveAs("expired-foreign.rdb");
    try (Jedis j = redis.connect(0)) {
      j.flushAll();
      j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "SET-ACTIVE-EXPIRE", "1");
      for (int i = 0; i < 300; i++) {
        j.set("session:" + i, "user-" + i);
        j.hset("user:" + i, Map.of("name", "n" + i, "email", i + "@example.com"));
        j.zadd("leaderboard", i, "user:" + i);
      }
      j.rpush("queue:jobs", "a", "b");
      j.sadd("topology", "not ours");
    }
    foreign = saveAs("foreign.rdb");
  }

  @AfterAll
  void stopRedis() {
    redis.close();
  }

  // ---------------------------------------------------------------- sources that are no legacy

  @Test
  void foreignBackup_inReplaceMode_exitsNonZero_andLeavesEveryTableByteIdentical() {
    PostgresEndpoint db = imported(legacy);
    try {
      Map<String, List<String>> before = TableDump.of(db);
      List<String> schemaBefore = TableDump.schema(db);

      Run r =
          cli(
              "--rdb",
              foreign.toString(),
              "--postgres",
              url(db),
              "--mode",
              "replace",
              "--progress",
              "none");

      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .startsWith("import failed (not_legacy): " + foreign + " holds no legacy control plane")
          .contains("no topology")
          .contains("no repl, machine, container or tombstone")
          .contains("unknown_key")
          .contains("the control plane was not changed");
      assertThat(TableDump.of(db)).isEqualTo(before);
      assertThat(TableDump.schema(db)).isEqualTo(schemaBefore);
      assertThat(keptSchemas(db)).isEmpty();
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void foreignBackup_isRefused_inEveryMode_evenWithNoRejectLimit() {
    PostgresEndpoint db = imported(legacy);
    try {
      Map<String, List<String>> before = TableDump.of(db);
      for (ImportMode mode : List.of(ImportMode.REPLACE, ImportMode.MERGE)) {
        ImportOutcome out =
            Importer.run(options(foreign, db).mode(mode).maxRejectShare(100.0).build());
        assertThat(failure(out).kind())
            .as(mode.name())
            .isEqualTo(ImportOutcome.FailureKind.NOT_LEGACY);
      }
      assertThat(TableDump.of(db)).isEqualTo(before);
    } finally {
      RoundTripTest.drop(pg, db);
    }
    PostgresEndpoint empty = RoundTripTest.freshDatabase(pg);
    try {
      ImportOutcome out = Importer.run(options(foreign, empty).maxRejectShare(100.0).build());
      assertThat(failure(out).kind()).isEqualTo(ImportOutcome.FailureKind.NOT_LEGACY);
      assertThat(TableDump.of(empty).values()).allSatisfy(rows -> assertThat(rows).isEmpty());
    } finally {
      RoundTripTest.drop(pg, empty);
    }
  }

  @Test
  void backupWithoutTopology_isRefused_namingWhatIsMissing() {
    PostgresEndpoint db = imported(legacy);
    try {
      Map<String, List<String>> before = TableDump.of(db);
      ImportOutcome out =
          Importer.run(
              options(noTopology, db).mode(ImportMode.REPLACE).maxRejectShare(100.0).build());
      ImportOutcome.Failed f = failure(out);
      assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.NOT_LEGACY);
      assertThat(f.message())
          .contains("no topology (topology:regions")
          .doesNotContain("no repl, machine");
      assertThat(TableDump.of(db)).isEqualTo(before);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  // ---------------------------------------------------------------- reject share

  @Test
  void rejectsOverOnePercent_failByDefault_andPassWhenAShareOrACountAllowsThem() {
    PostgresEndpoint db = imported(legacy);
    try {
      Map<String, List<String>> before = TableDump.of(db);
      ImportOutcome.Failed f =
          failure(Importer.run(options(twoPercentRejects, db).mode(ImportMode.REPLACE).build()));
      assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.TOO_MANY_REJECTS);
      assertThat(f.message())
          .containsPattern("\\d+ of \\d+ keys read were rejected \\(\\d\\.\\d\\d%\\)")
          .contains("more than --max-reject-share 1% allows: unknown_key ");
      assertThat(TableDump.of(db)).isEqualTo(before);

      assertThat(
              Importer.run(
                  options(twoPercentRejects, db)
                      .mode(ImportMode.REPLACE)
                      .maxRejectShare(5.0)
                      .build()))
          .isInstanceOf(ImportOutcome.Imported.class);
      assertThat(
              Importer.run(
                  options(twoPercentRejects, db).mode(ImportMode.REPLACE).maxRejects(1000).build()))
          .isInstanceOf(ImportOutcome.Imported.class);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  // ---------------------------------------------------------------- REPLACE keeps the old

  @Test
  void replace_keepsThePreviousContentsRecoverable_andTheCopyCanBeListedAndDropped()
      throws SQLException {
    PostgresEndpoint db = imported(legacy);
    try {
      Map<String, List<String>> first = TableDump.of(db);
      Instant at = Instant.parse("2031-02-03T04:05:06Z");

      ImportOutcome out =
          Importer.run(
              options(later, db)
                  .mode(ImportMode.REPLACE)
                  .clock(java.time.Clock.fixed(at, java.time.ZoneOffset.UTC))
                  .build());

      assertThat(out).isInstanceOf(ImportOutcome.Imported.class);
      ImportSummary s = ((ImportOutcome.Imported) out).summary();
      assertThat(s.keptPreviousIn()).isEqualTo("strangler_replaced_20310203040506");
      assertThat(s.render())
          .contains("previous content kept in schema strangler_replaced_20310203040506");
      assertThat(TableDump.of(db).get("repls")).anyMatch(r -> r.contains("repl-later"));
      assertThat(dumpOf(db, s.keptPreviousIn())).isEqualTo(first);

      // A second replace in the same second keeps its own copy beside the first.
      ImportOutcome again =
          Importer.run(
              options(later, db)
                  .mode(ImportMode.REPLACE)
                  .clock(java.time.Clock.fixed(at, java.time.ZoneOffset.UTC))
                  .build());
      assertThat(((ImportOutcome.Imported) again).summary().keptPreviousIn())
          .isEqualTo("strangler_replaced_20310203040506_2");

      // The restore of docs/import.md brings the first contents back.
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        c.setAutoCommit(false);
        st.execute("TRUNCATE " + String.join(", ", PostgresLoader.TABLES));
        for (String t : PostgresLoader.TABLES) {
          st.execute("INSERT INTO " + t + " SELECT * FROM strangler_replaced_20310203040506." + t);
        }
        c.commit();
      }
      assertThat(TableDump.of(db)).isEqualTo(first);

      Run list = cli("--postgres", url(db), "--list-replaced");
      assertThat(list.exit()).isZero();
      assertThat(list.out())
          .contains("strangler_replaced_20310203040506  regions 2, clusters 6, repls 200")
          .contains("strangler_replaced_20310203040506_2  regions 2, clusters 6, repls 201")
          .contains("before strangler import --mode replace of " + later);

      Run drop = cli("--postgres", url(db), "--drop-replaced", "strangler_replaced_20310203040506");
      assertThat(drop.exit()).isZero();
      assertThat(drop.out()).startsWith("dropped strangler_replaced_20310203040506 (regions 2");
      assertThat(keptSchemas(db)).containsExactly("strangler_replaced_20310203040506_2");

      Run notOurs = cli("--postgres", url(db), "--drop-replaced", "public");
      assertThat(notOurs.exit()).isEqualTo(1);
      assertThat(notOurs.err()).contains("'public' is not the name of a kept copy");
      Run gone = cli("--postgres", url(db), "--drop-replaced", "strangler_replaced_20310203040506");
      assertThat(gone.exit()).isEqualTo(1);
      assertThat(gone.err()).contains("there is no schema strangler_replaced_20310203040506");
      assertThat(TableDump.of(db)).isEqualTo(first);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void replaceOfAnEmptyControlPlane_keepsNoCopy() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      ImportOutcome out = Importer.run(options(legacy, db).mode(ImportMode.REPLACE).build());
      assertThat(((ImportOutcome.Imported) out).summary().keptPreviousIn()).isNull();
      assertThat(keptSchemas(db)).isEmpty();
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  // ---------------------------------------------------------------- findings

  @Test
  void truncatedFiles_nameOnlyOffsetsWithinTheFile() throws IOException {
    byte[] rdb = Files.readAllBytes(legacy);
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      for (int cut : List.of(rdb.length / 3, rdb.length / 2, rdb.length - 20, rdb.length - 3)) {
        Path file = Files.write(dir.resolve("cut-" + cut + ".rdb"), Arrays.copyOf(rdb, cut));
        ImportOutcome.Failed f = failure(Importer.run(options(file, db).build()));
        assertThat(f.message()).as("cut at %d", cut).contains("is truncated");
        Matcher m = Pattern.compile("offset (\\d+)").matcher(f.message());
        List<Long> offsets = new ArrayList<>();
        while (m.find()) {
          offsets.add(Long.parseLong(m.group(1)));
        }
        assertThat(offsets)
            .as(f.message())
            .isNotEmpty()
            .allSatisfy(o -> assertThat(o).isLessThanOrEqualTo(cut));
      }
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void expiredKeysOfNoLegacyShape_areSkipped_notRejected_evenWithMaxRejects0() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      ImportOutcome out = Importer.run(options(expiredForeign, db).maxRejects(0).build());

      assertThat(out).isInstanceOf(ImportOutcome.Imported.class);
      ImportSummary s = ((ImportOutcome.Imported) out).summary();
      assertThat(s.skippedExpired()).isGreaterThanOrEqualTo(3);
      assertThat(s.rejects()).isEmpty();
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void aDirectory_isReportedAsADirectory() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("backups"));
    Run r = cli("--rdb", folder.toString(), "--postgres", "postgresql://postgres@127.0.0.1/x");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains("--rdb: " + folder + " is a directory")
        .doesNotContain("no such file");
  }

  @Test
  void unreachableVerifyRedis_isRefusedBeforeAnythingChanges() throws IOException {
    PostgresEndpoint db = imported(legacy);
    try {
      Map<String, List<String>> before = TableDump.of(db);
      int port = closedPort();
      long started = System.nanoTime();

      Run r =
          cli(
              "--rdb",
              later.toString(),
              "--postgres",
              url(db),
              "--mode",
              "replace",
              "--verify",
              "10",
              "--verify-redis",
              "redis://127.0.0.1:" + port + "/0",
              "--progress",
              "none");

      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .startsWith(
              "import failed (unavailable): cannot reach the Redis for verification"
                  + " (--verify-redis) at redis://127.0.0.1:"
                  + port
                  + "/0")
          .contains("the control plane was not changed");
      assertThat(r.out()).doesNotContain("parity");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
      assertThat(TableDump.of(db)).isEqualTo(before);
      assertThat(keptSchemas(db)).isEmpty();
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void version_isPrinted() {
    Run r = cli("--version");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("strangler import ");
  }

  @Test
  void theSummary_hasOneSetOfPhaseTimes_thatAddUpToTheElapsedTime() {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      ImportSummary s =
          ((ImportOutcome.Imported) Importer.run(options(legacy, db).build())).summary();
      assertThat(s.render()).doesNotContain("read and stage").contains("reading and staging");
      assertThat(s.phases().keySet())
          .startsWith("opening the source", "preparing the control plane", "reading and staging");
      long sum = s.phases().values().stream().mapToLong(Duration::toMillis).sum();
      // Only the progress reporter's creation and the summary's own arithmetic are outside.
      assertThat(sum).isBetween(s.elapsed().toMillis() - 100, s.elapsed().toMillis() + 20);
    } finally {
      RoundTripTest.drop(pg, db);
    }
  }

  @Test
  void libraryInfoLines_areHeldBackWhileTheBarRuns_andTheLevelPutBackAfter() {
    Logger library = (Logger) LoggerFactory.getLogger("com.moilioncircle");
    Level configured = library.getLevel();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    library.addAppender(seen);
    // As the command line configures it: INFO (the tests' own configuration says WARN).
    library.setLevel(Level.INFO);
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    try {
      // Without the bar, the library's INFO lines do appear: the test can see them.
      Importer.run(options(legacy, db).progress(ImportOptions.Progress.LOG).build());
      assertThat(seen.list).anyMatch(e -> e.getLevel() == Level.INFO);
      seen.list.clear();
      PostgresEndpoint db2 = RoundTripTest.freshDatabase(pg);
      try {
        Importer.run(options(legacy, db2).progress(ImportOptions.Progress.BAR).build());
      } finally {
        RoundTripTest.drop(pg, db2);
      }
      assertThat(seen.list).extracting(ILoggingEvent::getLevel).doesNotContain(Level.INFO);
      assertThat(library.getLevel()).isEqualTo(Level.INFO);
    } finally {
      library.detachAppender(seen);
      library.setLevel(configured);
      RoundTripTest.drop(pg, db);
    }
  }

  // ---------------------------------------------------------------- helpers

  private record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new ImportCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String url(PostgresEndpoint db) {
    return db.jdbcUrl()
        + (db.user() == null ? "" : "?user=" + db.user() + "&password=" + db.password());
  }

  private static ImportOptions.Builder options(Path rdb, PostgresEndpoint db) {
    return ImportOptions.builder().rdb(rdb).postgres(db).progress(ImportOptions.Progress.NONE);
  }

  /** A fresh database holding an import of {@code rdb}. */
  private PostgresEndpoint imported(Path rdb) {
    PostgresEndpoint db = RoundTripTest.freshDatabase(pg);
    assertThat(Importer.run(options(rdb, db).build())).isInstanceOf(ImportOutcome.Imported.class);
    return db;
  }

  private static ImportOutcome.Failed failure(ImportOutcome out) {
    assertThat(out).isInstanceOf(ImportOutcome.Failed.class);
    ImportOutcome.Failed f = (ImportOutcome.Failed) out;
    assertThat(f.message()).endsWith("the control plane was not changed");
    return f;
  }

  private Path saveAs(String name) {
    try {
      return Files.copy(redis.save(), dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> keptSchemas(PostgresEndpoint db) {
    List<String> names = new ArrayList<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'strangler\\_replaced\\_%'"
                    + " ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      return names;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The rows of the kept copy in {@code schema}, as {@link TableDump#of} gives the live ones. */
  private static Map<String, List<String>> dumpOf(PostgresEndpoint db, String schema)
      throws SQLException {
    Map<String, List<String>> dump = new LinkedHashMap<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      for (String t : PostgresLoader.TABLES) {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs =
            s.executeQuery("SELECT t::text FROM " + schema + "." + t + " t ORDER BY 1")) {
          while (rs.next()) {
            rows.add(rs.getString(1));
          }
        }
        dump.put(t, rows);
      }
    }
    return dump;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
