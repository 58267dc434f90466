package io.strangler.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.api.CallContext;
import io.strangler.api.model.Container;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How many statements and transaction ends each call sends: one statement (one round trip, no BEGIN
 * or COMMIT) for every call but a ConnectRepl that starts a container and the eager TransferRepl.
 */
@ExtendWith(RealServers.class)
class RoundTripsTest {
  private final PostgresDb db;
  private final Calls calls = new Calls("rt");
  private HikariDataSource pool;
  private CountingDataSource counting;
  private PostgresControlPlane plane;

  RoundTripsTest(PostgresDb db) {
    this.db = db;
  }

  /** Statements sent and transactions ended by one call. */
  private record Sent(int statements, int transactionEnds) {}

  @BeforeEach
  void open() {
    TestDatabase.truncate(db);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.jdbcUrl());
    config.setUsername(db.user());
    config.setPassword(db.password());
    config.setMaximumPoolSize(2);
    pool = new HikariDataSource(config);
    counting = new CountingDataSource(pool);
    plane = new PostgresControlPlane(counting);
    plane.applyTopology(Calls.TOPOLOGY);
  }

  @AfterEach
  void close() {
    plane.close();
    pool.close();
  }

  private Sent sent(Function<CallContext, ?> call) {
    counting.reset();
    call.apply(calls.next());
    return new Sent(counting.statements.get(), counting.transactionEnds.get());
  }

  @Test
  void readsAndSimpleWrites_areOneStatementEach() {
    Sent create = sent(c -> plane.createRepl(new CreateReplRequest("r-1", "o", "app", "asia"), c));
    Sent register =
        sent(
            c ->
                plane.registerMachine(
                    new RegisterMachineRequest("m-1", "asia-1", "10.0.0.1", 4), c));
    Sent reRegister =
        sent(
            c ->
                plane.registerMachine(
                    new RegisterMachineRequest("m-1", "asia-1", "10.0.0.2", 4), c));
    Sent heartbeat = sent(c -> plane.heartbeat(new HeartbeatRequest("m-1", 12.5), c));
    Container running = plane.connectRepl(new ConnectReplRequest("r-1"), calls.next()).container();

    assertThat(create).isEqualTo(new Sent(1, 0));
    assertThat(register).isEqualTo(new Sent(1, 0));
    assertThat(reRegister).isEqualTo(new Sent(1, 0));
    assertThat(heartbeat).isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.getRepl(new GetReplRequest("r-1"), c))).isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.getHostingMetadata(new GetHostingMetadataRequest("app"), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.listMachines(new ListMachinesRequest("asia-1"), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.listContainers(new ListContainersRequest("r-1", null), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.listContainers(new ListContainersRequest(null, "m-1"), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.resolveCluster(new ResolveClusterRequest("r-1"), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.transferRepl(new TransferReplRequest("r-1", "us-1", true), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.stopContainer(new StopContainerRequest(running.containerId()), c)))
        .isEqualTo(new Sent(1, 0));
    assertThat(sent(c -> plane.drainMachine(new DrainMachineRequest("m-1"), c)))
        .isEqualTo(new Sent(1, 0));
  }

  @Test
  void connectRepl_readsThenWritesInOneTransaction_andAnswersARunningReplInOneStatement() {
    plane.createRepl(new CreateReplRequest("r-1", "o", "app", "asia"), calls.next());
    plane.registerMachine(new RegisterMachineRequest("m-1", "asia-1", "10.0.0.1", 4), calls.next());

    // The repl and its running container; then candidates and the guarded insert, and COMMIT.
    assertThat(sent(c -> plane.connectRepl(new ConnectReplRequest("r-1"), c)))
        .isEqualTo(new Sent(3, 1));
    // Already running: the first read answers, in one round trip.
    assertThat(sent(c -> plane.connectRepl(new ConnectReplRequest("r-1"), c)))
        .isEqualTo(new Sent(1, 0));
  }

  @Test
  void transferRepl_eager_locksThenMovesInOneTransaction() {
    plane.createRepl(new CreateReplRequest("r-1", "o", "app", "asia"), calls.next());

    assertThat(sent(c -> plane.transferRepl(new TransferReplRequest("r-1", "us-1", false), c)))
        .isEqualTo(new Sent(2, 1));
  }
}
