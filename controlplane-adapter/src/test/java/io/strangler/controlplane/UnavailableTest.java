package io.strangler.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.model.Repl;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A store that cannot be reached answers UNAVAILABLE, and the plane recovers once it can. */
@ExtendWith(RealServers.class)
class UnavailableTest {
  private final PostgresDb db;
  private final Calls calls = new Calls("down");

  UnavailableTest(PostgresDb db) {
    this.db = db;
  }

  @Test
  void newPlane_withNoServerListening_isUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/nothing";

    assertThatThrownBy(() -> new PostgresControlPlane(url, "postgres", null))
        .isInstanceOfSatisfying(
            ControlPlaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.getMessage()).startsWith("controlplane is unavailable: ");
            });
  }

  /**
   * The server ends the plane's session while a call waits on a lock: that call is UNAVAILABLE, its
   * transaction is gone, and the next call gets a fresh connection.
   */
  @Test
  void call_whoseConnectionTheServerEnds_isUnavailable_andTheNextCallWorks() throws Exception {
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (PostgresControlPlane plane = TestDatabase.emptyPlane(db);
        Connection blocker = db.database().connect()) {
      plane.applyTopology(Calls.TOPOLOGY);
      Repl repl = plane.createRepl(new CreateReplRequest("r-1", "o", "app", "us"), calls.next());
      String elsewhere = repl.cluster().equals("us-1") ? "us-2" : "us-1";
      blocker.setAutoCommit(false);
      try (PreparedStatement lock =
          blocker.prepareStatement("SELECT 1 FROM repls WHERE repl_id = 'r-1' FOR UPDATE")) {
        lock.execute();
      }

      CompletableFuture<Repl> transfer =
          CompletableFuture.supplyAsync(
              () ->
                  plane.transferRepl(
                      new TransferReplRequest("r-1", elsewhere, false), calls.next()),
              caller);
      await().atMost(Duration.ofSeconds(10)).until(() -> waitingBackend(blocker) != 0);
      terminate(blocker, waitingBackend(blocker));

      assertThatThrownBy(() -> transfer.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              ControlPlaneException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e.getMessage()).startsWith("controlplane is unavailable: ");
              });
      blocker.rollback();
      assertThat(plane.getRepl(new GetReplRequest("r-1"), calls.next())).isEqualTo(repl);
    } finally {
      caller.shutdownNow();
    }
  }

  /** The plane's backend that waits on a lock in this database, or 0. */
  private static int waitingBackend(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'strangler-controlplane' AND wait_event_type = 'Lock'")) {
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  private static void terminate(Connection c, int pid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
      ps.setInt(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getBoolean(1)).isTrue();
      }
    }
  }
}
