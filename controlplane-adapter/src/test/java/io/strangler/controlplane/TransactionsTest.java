package io.strangler.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.Errors;
import io.strangler.api.Ids;
import io.strangler.api.model.Container;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A call that fails leaves nothing behind, even when it failed after its first write. */
@ExtendWith(RealServers.class)
class TransactionsTest {
  private final PostgresDb db;
  private final Calls calls = new Calls("tx");
  private PostgresControlPlane plane;

  TransactionsTest(PostgresDb db) {
    this.db = db;
  }

  @BeforeEach
  void open() {
    plane = TestDatabase.emptyPlane(db);
    plane.applyTopology(Calls.TOPOLOGY);
  }

  @AfterEach
  void close() {
    plane.close();
  }

  @Test
  void connectRepl_lazyTransferWithoutCapacity_leavesTheReplUnmoved() throws SQLException {
    Repl repl = createRepl("r-1");
    plane.registerMachine(
        new RegisterMachineRequest("m-us", repl.cluster(), "10.0.0.1", 4), calls.next());
    Repl pending = plane.transferRepl(new TransferReplRequest("r-1", "asia-1", true), calls.next());

    assertThatThrownBy(() -> plane.connectRepl(new ConnectReplRequest("r-1"), calls.next()))
        .isInstanceOfSatisfying(
            ControlPlaneException.class,
            e ->
                assertThat(e.getMessage())
                    .isEqualTo(Errors.noCapacity("r-1", "asia-1").getMessage()));

    assertThat(plane.getRepl(new GetReplRequest("r-1"), calls.next())).isEqualTo(pending);
    assertThat(rowsOf("tombstones")).isZero();
    assertThat(rowsOf("containers")).isZero();
  }

  /**
   * The transfer's guard moves the repl before the insert fails on the container's primary key, in
   * the same statement: the rollback must undo the move.
   */
  @Test
  void connectRepl_lazyTransferWithAReusedRequestId_rollsBackTheMove() throws SQLException {
    Repl repl = createRepl("r-1");
    plane.registerMachine(
        new RegisterMachineRequest("m-us", repl.cluster(), "10.0.0.1", 4), calls.next());
    plane.registerMachine(
        new RegisterMachineRequest("m-asia", "asia-1", "10.0.1.1", 4), calls.next());
    Container first =
        plane.connectRepl(new ConnectReplRequest("r-1"), calls.withId("same-id")).container();
    plane.stopContainer(new StopContainerRequest(first.containerId()), calls.next());
    Repl pending = plane.transferRepl(new TransferReplRequest("r-1", "asia-1", true), calls.next());

    assertThatThrownBy(
            () -> plane.connectRepl(new ConnectReplRequest("r-1"), calls.withId("same-id")))
        .isInstanceOfSatisfying(
            ControlPlaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
              assertThat(e.getMessage())
                  .isEqualTo("container '" + Ids.containerId("same-id") + "' already exists");
            });

    assertThat(plane.getRepl(new GetReplRequest("r-1"), calls.next())).isEqualTo(pending);
    assertThat(rowsOf("tombstones")).isZero();
    assertThat(rowsOf("containers")).isEqualTo(1);
    assertThat(plane.listMachines(new ListMachinesRequest("asia-1"), calls.next()).machines())
        .singleElement()
        .satisfies(m -> assertThat(m.runningContainers()).isZero());
  }

  @Test
  void applyTopology_leavingOutAClusterInUse_isRefusedAndChangesNothing() {
    plane.registerMachine(new RegisterMachineRequest("m-1", "us-2", "10.0.0.1", 4), calls.next());
    Topology withoutUs2 = new Topology(Map.of("us", List.of("us-1"), "asia", List.of("asia-1")));

    assertThatThrownBy(() -> plane.applyTopology(withoutUs2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("still use");

    assertThat(plane.topology()).isEqualTo(Calls.TOPOLOGY);
    try (PostgresControlPlane reopened =
        new PostgresControlPlane(db.jdbcUrl(), db.user(), db.password())) {
      assertThat(reopened.topology()).isEqualTo(Calls.TOPOLOGY);
    }
  }

  @Test
  void applyTopology_replacesTheStoredOne_andANewPlaneReadsItBack() {
    Topology next = new Topology(Map.of("us", List.of("us-1", "us-3"), "eu", List.of("eu-1")));

    plane.applyTopology(next);

    assertThat(plane.topology()).isEqualTo(next);
    try (PostgresControlPlane reopened =
        new PostgresControlPlane(db.jdbcUrl(), db.user(), db.password())) {
      assertThat(reopened.topology()).isEqualTo(next);
      assertThat(
              reopened
                  .createRepl(new CreateReplRequest("r-eu", "o", "eu-app", "eu"), calls.next())
                  .cluster())
          .isEqualTo("eu-1");
    }
  }

  @Test
  void newPlane_overRepeatableReadConnections_isRefused() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.jdbcUrl());
    config.setUsername(db.user());
    config.setPassword(db.password());
    config.setMaximumPoolSize(1);
    config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
    try (HikariDataSource repeatableRead = new HikariDataSource(config)) {
      assertThatThrownBy(() -> new PostgresControlPlane(repeatableRead))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("READ COMMITTED");
    }
  }

  private Repl createRepl(String replId) {
    return plane.createRepl(new CreateReplRequest(replId, "o", "s-" + replId, "us"), calls.next());
  }

  private long rowsOf(String table) throws SQLException {
    String sql =
        switch (table) {
          case "tombstones" -> "SELECT count(*) FROM tombstones";
          case "containers" -> "SELECT count(*) FROM containers";
          default -> throw new IllegalArgumentException(table);
        };
    try (Connection c = db.database().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
