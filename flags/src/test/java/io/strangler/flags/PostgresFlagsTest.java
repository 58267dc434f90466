package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several instances on one real PostgreSQL, each with its own {@link PostgresFlags}. */
@ExtendWith(RealServers.class)
class PostgresFlagsTest {
  private static final List<String> OPS = List.of("GetRepl", "CreateRepl", "StopContainer");

  private final PostgresDb db;
  private final List<AutoCloseable> opened = new ArrayList<>();

  PostgresFlagsTest(PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void emptyTables() throws SQLException {
    sql("DROP TABLE IF EXISTS flags_document, flags_instance, flag_audit, flyway_flags_history");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private <T extends AutoCloseable> T keep(T t) {
    opened.add(t);
    return t;
  }

  private PostgresFlags instance(FlagAudit audit) {
    return keep(
        PostgresFlags.builder(db.jdbcUrl(), db.user(), db.password())
            .knownOperations(OPS)
            .audit(audit)
            .build());
  }

  private PostgresFlags instance() {
    return instance(FlagAudit.none());
  }

  private static ApiFlag flag(FlagSource f, String op) {
    return f.snapshot().apis().stream()
        .filter(a -> a.operation().equals(op))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aFlipThroughOneInstance_isAppliedByTheOtherWithinASecond() {
    PostgresFlags a = instance();
    PostgresFlags b = instance();
    assertThat(b.decide("GetRepl", "r-1").mode())
        .as("seeded: every API LEGACY_ONLY")
        .isEqualTo(Mode.LEGACY_ONLY);
    assertThat(b.snapshot().source()).isEqualTo("postgres");

    long start = System.nanoTime();
    SetResult r = a.set("GetRepl", Mode.SHADOW, 100, "alice");
    assertThat(r)
        .isInstanceOfSatisfying(
            SetResult.Applied.class,
            ap -> assertThat(ap.flag().configured()).isEqualTo(Mode.SHADOW));
    assertThat(a.decide("GetRepl", "r-1").mode())
        .as("the writer applies at once")
        .isEqualTo(Mode.SHADOW);
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> b.decide("GetRepl", "r-1").mode() == Mode.SHADOW);
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(b.version()).isEqualTo(a.version()).isEqualTo(2);
    assertThat(tookMs).isLessThan(1000);
  }

  @Test
  void twoWritersAtOnce_loseNeitherChange() {
    PostgresFlags a = instance();
    PostgresFlags b = instance();

    for (int i = 0; i < 10; i++) {
      Mode m = i % 2 == 0 ? Mode.SHADOW : Mode.NEW_PRIMARY;
      CompletableFuture<SetResult> x =
          CompletableFuture.supplyAsync(() -> a.set("GetRepl", m, 100, "a"));
      CompletableFuture<SetResult> y =
          CompletableFuture.supplyAsync(() -> b.set("CreateRepl", m, 50, "b"));
      assertThat(x.join()).isInstanceOf(SetResult.Applied.class);
      assertThat(y.join()).isInstanceOf(SetResult.Applied.class);
      await().atMost(Duration.ofSeconds(2)).until(() -> a.version() == b.version());
      for (PostgresFlags f : List.of(a, b)) {
        assertThat(flag(f, "GetRepl").configured()).isEqualTo(m);
        assertThat(flag(f, "CreateRepl").configured()).isEqualTo(m);
        assertThat(flag(f, "CreateRepl").rolloutPercent()).isEqualTo(50);
      }
    }
    assertThat(a.version()).as("twenty writes on the seed").isEqualTo(21);
  }

  @Test
  void theSeedIsWrittenOnce_laterInstancesReadWhatIsThere() {
    PostgresFlags first =
        keep(
            PostgresFlags.builder(db.jdbcUrl(), db.user(), db.password())
                .knownOperations(OPS)
                .seed(FlagsFile.allIn(Mode.SHADOW, OPS), "from strangler-flags.json")
                .build());
    PostgresFlags second =
        keep(
            PostgresFlags.builder(db.jdbcUrl(), db.user(), db.password())
                .knownOperations(OPS)
                .seed(FlagsFile.allIn(Mode.NEW_ONLY, OPS), "another seed")
                .build());

    assertThat(first.decide("StopContainer", null).mode()).isEqualTo(Mode.SHADOW);
    assertThat(second.decide("StopContainer", null).mode()).isEqualTo(Mode.SHADOW);
  }

  @Test
  void aBadDocumentInTheTable_isNotApplied_andTheErrorShowsUntilAGoodOneReplacesIt()
      throws SQLException {
    PostgresFlags a = instance();
    a.set("GetRepl", Mode.SHADOW, 100, "alice");

    sql(
        "UPDATE flags_document SET version = version + 1, document = '{\"apis\": {\"Nope\": {\"mode\": \"SHADOW\"}}}'");
    await().atMost(Duration.ofSeconds(2)).until(() -> a.snapshot().error() != null);

    assertThat(a.snapshot().error().message())
        .contains("unknown operation 'Nope'")
        .contains("keeping the last good flags");
    assertThat(a.decide("GetRepl", "r").mode()).isEqualTo(Mode.SHADOW);

    // A write through the source replaces the bad document with one built on the flags in force.
    assertThat(a.set("CreateRepl", Mode.SHADOW, 100, "bob")).isInstanceOf(SetResult.Applied.class);
    PostgresFlags b = instance();
    assertThat(flag(b, "GetRepl").configured()).isEqualTo(Mode.SHADOW);
    assertThat(flag(b, "CreateRepl").configured()).isEqualTo(Mode.SHADOW);
    assertThat(a.snapshot().error()).isNull();
  }

  @Test
  void replace_carriesTheKillSwitchesToEveryInstance() {
    PostgresFlags a = instance();
    PostgresFlags b = instance();
    a.set("GetRepl", Mode.SHADOW, 100, "alice");

    FlagsFile next = FlagsFile.allIn(Mode.SHADOW, OPS).withKillSwitches(false, true);
    assertThat(a.replace(next, "oncall")).isInstanceOf(SetResult.Applied.class);

    await().atMost(Duration.ofSeconds(1)).until(() -> b.snapshot().killNew());
    assertThat(b.decide("GetRepl", "r").mode())
        .as("SHADOW with the new backend killed")
        .isEqualTo(Mode.LEGACY_ONLY);
    assertThat(
            a.replace(
                new FlagsFile(null, false, false, Map.of("Nope", ApiSetting.of(Mode.SHADOW))), "x"))
        .isInstanceOf(SetResult.Invalid.class);
  }

  @Test
  void onlyTheWriterAudits_andWithTheCallersName() {
    FlagAudit audit = keep(FlagAudit.postgres(db.jdbcUrl(), db.user(), db.password()));
    PostgresFlags a = instance(audit);
    PostgresFlags b = instance(audit);

    a.set("GetRepl", Mode.SHADOW, 30, "alice");
    await().atMost(Duration.ofSeconds(1)).until(() -> b.version() == 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> !audit.latest(10).isEmpty());

    assertThat(audit.latest(10))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.api()).isEqualTo("GetRepl");
              assertThat(e.source()).isEqualTo("postgres");
              assertThat(e.from()).isEqualTo("LEGACY_ONLY");
              assertThat(e.to()).isEqualTo("SHADOW 30%");
              assertThat(e.who()).isEqualTo("alice");
            });
  }

  @Test
  void unknownOperations_areRefused() {
    PostgresFlags a = instance();
    assertThat(a.set("Nope", Mode.SHADOW, 100, "x")).isInstanceOf(SetResult.Invalid.class);
    assertThatThrownBy(
            () ->
                PostgresFlags.builder(db.jdbcUrl(), db.user(), db.password())
                    .pollInterval(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void flagVersions_sayWhichFlagsEachInstanceApplies() {
    PostgresFlags a = instance();
    PostgresFlags b = instance();
    OverridingFlags bWithOverride = OverridingFlags.wrap(b);
    FlagVersions va =
        keep(
            FlagVersions.start(
                dataSource(),
                "a:8080",
                a,
                () -> OptionalLong.of(a.version()),
                java.time.Clock.systemUTC(),
                Duration.ofMillis(50)));
    FlagVersions vb =
        keep(
            FlagVersions.start(
                dataSource(),
                "b:8080",
                bWithOverride,
                () -> OptionalLong.of(b.version()),
                java.time.Clock.systemUTC(),
                Duration.ofMillis(50)));

    a.set("GetRepl", Mode.SHADOW, 100, "alice");
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(va.fleet())
                    .extracting(
                        FlagVersions.InstanceFlags::instance,
                        FlagVersions.InstanceFlags::version,
                        FlagVersions.InstanceFlags::live)
                    .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a:8080", 2L, true),
                        org.assertj.core.groups.Tuple.tuple("b:8080", 2L, true)));
    assertThat(va.current().digest())
        .as("same flags, same digest")
        .isEqualTo(vb.current().digest());

    bWithOverride.override(
        new FlagOverride(
            "GetRepl", ApiSetting.of(Mode.LEGACY_ONLY), "test", "t", java.time.Instant.now()));
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(va.fleet())
                    .extracting(FlagVersions.InstanceFlags::digest)
                    .doesNotHaveDuplicates());
  }

  private javax.sql.DataSource dataSource() {
    org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setUrl(db.jdbcUrl());
    ds.setUser(db.user());
    ds.setPassword(db.password());
    return ds;
  }
}
