package io.strangler.controlplane;

import static io.strangler.api.contract.ConcurrentCalls.assertAllUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.strangler.api.contract.ConcurrentCalls;
import io.strangler.api.contract.ConcurrentCalls.Ended;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.PostgresProcess;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Store faults of PostgreSQL: a pool with no connection to spare (on the shared server), and an
 * embedded server of the class's own frozen (SIGSTOP) or killed (SIGKILL). Every caller is answered
 * UNAVAILABLE, naming the backend, within the configured timeouts; none INTERNAL.
 *
 * <p>The embedded server takes seconds to start and migrate, so the class starts and seeds one: it
 * is frozen and resumed first, then killed.
 */
@ExtendWith(RealServers.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresStoreFaultsTest {
  private static final int CALLERS = 8;
  private static final PostgresPoolSettings SETTINGS =
      PostgresPoolSettings.of(4)
          .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(1));

  /**
   * A pooled connection (500 ms, plus HikariCP's liveness check of an idle one) or one reply (1 s),
   * with room for a loaded build machine. Without the timeouts a frozen server would hold its
   * callers for as long as it stays frozen.
   */
  private static final Duration WITHIN = Duration.ofSeconds(3);

  private static final Duration ALL_DONE = Duration.ofSeconds(30);
  private static final String UNAVAILABLE = "controlplane is unavailable: ";

  private static PostgresProcess pg;

  private final PostgresDb db;
  private final Calls calls = new Calls("fault");
  private final List<AutoCloseable> toClose = new ArrayList<>();

  PostgresStoreFaultsTest(PostgresDb db) {
    this.db = db;
  }

  @BeforeAll
  static void startPostgres() {
    pg = PostgresProcess.start();
    PostgresEndpoint server = pg.endpoint().createDatabase("faults");
    // Migrated and seeded once: the tests' planes over it start quickly.
    try (PostgresControlPlane plane =
        new PostgresControlPlane(server.jdbcUrl(), server.user(), server.password(), SETTINGS)) {
      seed(plane, new Calls("seed"));
    }
  }

  @AfterAll
  static void stopPostgres() {
    pg.close();
  }

  /** A plane over the seeded database of the class's own server. */
  private PostgresControlPlane planeOnOwnServer() {
    PostgresEndpoint server = pg.endpoint().withDatabase("faults");
    return closing(
        new PostgresControlPlane(server.jdbcUrl(), server.user(), server.password(), SETTINGS));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  private static PostgresControlPlane seed(PostgresControlPlane plane, Calls calls) {
    plane.applyTopology(Calls.TOPOLOGY);
    plane.createRepl(new CreateReplRequest("r-1", "o", "app", "us"), calls.next());
    return plane;
  }

  private List<Ended> getReplFromEveryCaller(PostgresControlPlane plane) throws Exception {
    return ConcurrentCalls.run(
        CALLERS, i -> plane.getRepl(new GetReplRequest("r-1"), calls.next()), ALL_DONE);
  }

  /**
   * HikariCP's "connection is not available" has no SQLSTATE; checking it for a retryable one threw
   * a NullPointerException, answered as INTERNAL.
   */
  @Test
  void calls_withNoPooledConnectionFree_areUnavailable_afterTheConnectionTimeout()
      throws Exception {
    TestDatabase.truncate(db);
    HikariDataSource pool =
        closing(PostgresControlPlane.newPool(db.jdbcUrl(), db.user(), db.password(), SETTINGS));
    PostgresControlPlane plane = closing(seed(new PostgresControlPlane(pool), calls));
    for (int i = 0; i < SETTINGS.maxPoolSize(); i++) {
      closing(pool.getConnection());
    }

    List<Ended> ended = getReplFromEveryCaller(plane);

    assertAllUnavailable(ended, UNAVAILABLE, "Connection is not available", WITHIN);
    assertThat(ended)
        .allSatisfy(e -> assertThat(e.took()).isGreaterThanOrEqualTo(SETTINGS.connectionTimeout()));
  }

  @Test
  @Order(1)
  void calls_toAFrozenPostgres_areUnavailableWithinTheTimeouts_andWorkAgainOnceItResumes()
      throws Exception {
    PostgresControlPlane plane = planeOnOwnServer();

    pg.pause();
    List<Ended> ended = getReplFromEveryCaller(plane);
    pg.resume();

    assertAllUnavailable(ended, UNAVAILABLE, "", WITHIN);
    // Broken connections are dropped from the pool, and new ones made once the server answers.
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(plane.getRepl(new GetReplRequest("r-1"), calls.next()).replId())
                    .isEqualTo("r-1"));
  }

  @Test
  @Order(2)
  void calls_toAKilledPostgres_areUnavailableWithinTheTimeouts() throws Exception {
    PostgresControlPlane plane = planeOnOwnServer();

    pg.kill();

    assertAllUnavailable(getReplFromEveryCaller(plane), UNAVAILABLE, "", WITHIN);
  }
}
