package io.strangler.dispatch.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Several holders of one lease, each with its own pool as separate instances would have. */
@ExtendWith(RealServers.class)
class LeaseTest {
  private static final Lease.Options FAST =
      new Lease.Options(Duration.ofMillis(1500), Duration.ofMillis(300));

  private final PostgresDb db;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @TempDir Path dir;

  LeaseTest(PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void emptyTable() throws SQLException {
    try (Connection c = db.database().connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS strangler_lease");
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private HikariDataSource pool(String name) {
    HikariConfig c = new HikariConfig();
    c.setPoolName(name);
    c.setJdbcUrl(db.jdbcUrl());
    c.setUsername(db.user());
    c.setPassword(db.password());
    c.setMaximumPoolSize(2);
    c.setConnectionTimeout(1_000);
    HikariDataSource ds = new HikariDataSource(c);
    opened.add(ds);
    return ds;
  }

  private Lease lease(HikariDataSource ds, String holder) {
    Lease l = Lease.start(ds, "repairer", holder, FAST);
    opened.add(l);
    return l;
  }

  /** Watches the holders until {@code until} holds, failing if two ever hold at once. */
  private static void neverTwo(
      List<Lease> leases, Duration atMost, java.util.function.BooleanSupplier until) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              long holding = leases.stream().filter(Lease::held).count();
              assertThat(holding).as("holders at once").isLessThanOrEqualTo(1);
              return until.getAsBoolean();
            });
  }

  @Test
  void threeContenders_exactlyOneHolds_andKeepsIt() {
    List<Lease> all = List.of(lease(pool("a"), "a"), lease(pool("b"), "b"), lease(pool("c"), "c"));

    neverTwo(all, Duration.ofSeconds(5), () -> all.stream().anyMatch(Lease::held));
    Lease holder = all.stream().filter(Lease::held).findFirst().orElseThrow();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> holder.held() && all.stream().filter(Lease::held).count() == 1);
    assertThat(holder.holding())
        .hasValueSatisfying(
            h -> {
              assertThat(h.holder()).isEqualTo(holder.holder());
              assertThat(h.live()).isTrue();
              assertThat(h.token()).isEqualTo(holder.token()).isEqualTo(1);
            });
  }

  @Test
  void aHolderCutOffFromTheDatabase_stopsBeforeAnotherTakesOver_withinTheTtl() {
    HikariDataSource aPool = pool("a");
    Lease a = lease(aPool, "a");
    await().atMost(Duration.ofSeconds(5)).until(a::held);
    Lease b = lease(pool("b"), "b");
    long tokenA = a.token();

    long cutAt = System.nanoTime();
    aPool.close(); // a can no longer renew: as a dead process, or one on the wrong side of a
    // partition
    neverTwo(List.of(a, b), Duration.ofSeconds(5), b::held);
    long takeoverMs = (System.nanoTime() - cutAt) / 1_000_000;

    assertThat(a.held()).isFalse();
    assertThat(b.token()).as("a new holder, a new fencing token").isEqualTo(tokenA + 1);
    assertThat(takeoverMs)
        .as("within ttl + one renewal")
        .isLessThan(FAST.ttl().plus(FAST.renewEvery()).plusMillis(500).toMillis());
    System.out.printf(
        "lease taken over %d ms after its holder was cut off (ttl %s, renewed every %s)%n",
        takeoverMs, FAST.ttl(), FAST.renewEvery());
  }

  @Test
  void aCleanClose_releases_soTheNextHolderTakesItAtItsNextTry() throws Exception {
    Lease a = lease(pool("a"), "a");
    await().atMost(Duration.ofSeconds(5)).until(a::held);
    Lease b = lease(pool("b"), "b");

    long closedAt = System.nanoTime();
    a.close();
    await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(b::held);
    long takeoverMs = (System.nanoTime() - closedAt) / 1_000_000;

    assertThat(takeoverMs).as("no wait for the expiry").isLessThan(FAST.ttl().toMillis());
  }

  @Test
  void aRepairerGatedByTheLease_repairsOnlyWhileItsInstanceHoldsIt() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Outcome ok = new Outcome.Answer(json.createObjectNode().put("ok", true), Duration.ZERO);
    Outcome down = new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ZERO);
    AtomicInteger repairs = new AtomicInteger();
    AtomicBoolean bHolds = new AtomicBoolean();
    HikariDataSource aPool = pool("a");
    Lease a = lease(aPool, "a");
    await().atMost(Duration.ofSeconds(5)).until(a::held);
    Lease b = lease(pool("b"), "b");
    EntityRepair repair =
        (key, from) -> {
          assertThat(b.held()).as("only while b holds the lease").isTrue();
          bHolds.set(true);
          repairs.incrementAndGet();
          return RepairResult.REPAIRED;
        };
    Repairer.Config fast =
        new Repairer.Config(
            64, 10_000, Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50), 1);
    try (RepairJournal journal =
            new RepairJournal(
                new RepairJournal.Config(dir, 1_000, 1L << 20, 1),
                (op, request, answer) -> List.of("k:" + request.path("key").asText()),
                Clock.systemUTC());
        Repairer repairer = new Repairer(journal, repair, fast, Clock.systemUTC(), b)) {
      for (int i = 0; i < 5; i++) {
        journal.accept(
            new Exchange(
                "Put",
                ApiSpec.Kind.WRITE,
                Mode.SHADOW,
                json.createObjectNode().put("key", "e" + i),
                "req-" + i,
                Instant.EPOCH,
                ok,
                down));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> journal.pending() == 5);
      await()
          .during(Duration.ofMillis(800))
          .atMost(Duration.ofSeconds(2))
          .until(() -> repairs.get() == 0);

      a.close(); // the holder steps down: b's repairer takes over
      await().atMost(Duration.ofSeconds(5)).until(() -> journal.pending() == 0);
      assertThat(repairs.get()).isEqualTo(5);
      assertThat(repairer.stats().repaired()).isEqualTo(5);
      assertThat(bHolds.get()).isTrue();
    }
  }
}
