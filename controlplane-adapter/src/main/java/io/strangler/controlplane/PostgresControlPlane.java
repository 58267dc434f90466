package io.strangler.controlplane;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.api.CallContext;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.Errors;
import io.strangler.api.Ids;
import io.strangler.api.model.Container;
import io.strangler.api.model.Machine;
import io.strangler.api.model.Repl;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.ConnectReplResponse;
import io.strangler.api.ops.ContainerPlacement;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.DrainMachineRequest;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HeartbeatRequest;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListContainersResponse;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.ListMachinesResponse;
import io.strangler.api.ops.PlacementUse;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.api.ops.ResolveClusterResponse;
import io.strangler.api.ops.StopContainerRequest;
import io.strangler.api.ops.TransferReplRequest;
import io.strangler.api.placement.HashRing;
import io.strangler.api.placement.Placement;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.ibatis.mapping.Environment;
import org.apache.ibatis.session.Configuration;
import org.apache.ibatis.session.LocalCacheScope;
import org.apache.ibatis.session.SqlSession;
import org.apache.ibatis.session.SqlSessionFactory;
import org.apache.ibatis.session.SqlSessionFactoryBuilder;
import org.apache.ibatis.transaction.managed.ManagedTransactionFactory;
import org.flywaydb.core.Flyway;

/**
 * The new control plane: the control API v1 over PostgreSQL (schema in db/migration/controlplane,
 * statements in ControlPlaneMapper.xml, design in docs/controlplane-schema.md).
 *
 * <p>Each call is one statement sent in autocommit mode (one round trip), except ConnectRepl when
 * it starts a container and the eager TransferRepl, which write in one explicit transaction. The
 * invariant "at most one RUNNING container per repl" is the database's: a partial unique index that
 * ConnectRepl's INSERT names as its ON CONFLICT arbiter. Placement is decided here with {@link
 * Placement}, from candidates read in the same transaction, and claimed with a conditional UPDATE,
 * so a machine is never given more containers than its capacity.
 *
 * <p>Requires READ COMMITTED (PostgreSQL's default): several calls rely on a later statement of a
 * transaction seeing what was committed while an earlier one waited for a lock.
 *
 * <p>The topology is read from the database when the plane is built and replaced by {@link
 * #applyTopology}; calls are checked against this copy, and each region's hash ring is built once
 * per topology. Thread-safe.
 */
public final class PostgresControlPlane implements ControlPlane {
  static final String NAME = "controlplane";

  /** Connections of the pool a plane builds from a JDBC URL, unless told otherwise. */
  public static final int DEFAULT_MAX_POOL_SIZE = 16;

  static final String MIGRATIONS = "classpath:db/migration/controlplane";
  static final String HISTORY_TABLE = "flyway_controlplane_history";

  /** A ConnectRepl that keeps losing races gives up after this many tries (see connectRepl). */
  static final int MAX_CONNECT_ATTEMPTS = 8;

  /** Transactions aborted by a deadlock or serialization failure are run again this many times. */
  private static final int MAX_TRANSIENT_RETRIES = 3;

  private static final Duration LAZY_TRANSFER_TOMBSTONE_TTL =
      Duration.ofSeconds(TransferReplRequest.DEFAULT_TOMBSTONE_TTL_SECONDS);
  private static final String CONTAINERS_PKEY = "containers_pkey";

  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final SqlSessionFactory sessions;
  private volatile TopologyView topology;

  /**
   * A plane over the database at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/db}), with a
   * pool of its own that {@link #close()} closes. Applies the schema migrations first, so an empty
   * database is ready when this returns.
   *
   * @throws ControlPlaneException UNAVAILABLE when the database cannot be reached
   */
  public PostgresControlPlane(String jdbcUrl, String user, String password) {
    this(jdbcUrl, user, password, DEFAULT_MAX_POOL_SIZE);
  }

  public PostgresControlPlane(String jdbcUrl, String user, String password, int maxPoolSize) {
    this(jdbcUrl, user, password, PostgresPoolSettings.of(maxPoolSize));
  }

  /** A plane with a pool of its own sized and timed by {@code settings}. */
  public PostgresControlPlane(
      String jdbcUrl, String user, String password, PostgresPoolSettings settings) {
    this(newPool(jdbcUrl, user, password, settings), true);
  }

  /**
   * A plane over {@code dataSource}, which the caller keeps and closes. Its connections must use
   * READ COMMITTED (PostgreSQL's default). Applies the schema migrations first.
   *
   * @throws IllegalArgumentException when the data source's connections use another isolation
   */
  public PostgresControlPlane(DataSource dataSource) {
    this(Objects.requireNonNull(dataSource, "dataSource"), false);
  }

  private PostgresControlPlane(DataSource dataSource, boolean owned) {
    this.dataSource = dataSource;
    this.ownedPool = owned ? (HikariDataSource) dataSource : null;
    try {
      requireReadCommitted(dataSource);
      migrate(dataSource);
      this.sessions = sessionFactory(dataSource);
      this.topology = TopologyView.of(statement(ControlPlaneMapper::selectClusters));
    } catch (RuntimeException e) {
      if (ownedPool != null) {
        ownedPool.close();
      }
      throw e;
    }
  }

  static HikariDataSource newPool(
      String jdbcUrl, String user, String password, PostgresPoolSettings settings) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(settings, "settings");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "expected a PostgreSQL JDBC URL like jdbc:postgresql://127.0.0.1:5432/strangler, got '"
              + jdbcUrl
              + "'");
    }
    HikariConfig config = new HikariConfig();
    config.setPoolName(NAME);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(settings.maxPoolSize());
    config.setMinimumIdle(Math.min(2, settings.maxPoolSize()));
    // A call waits at most this long for a connection, then answers UNAVAILABLE.
    config.setConnectionTimeout(settings.connectionTimeout().toMillis());
    // HikariCP checks a connection idle for a while before lending it; on a hung server that
    // check would otherwise wait 5 s, longer than the caller's whole budget.
    config.setValidationTimeout(Math.min(1_000, settings.connectionTimeout().toMillis()));
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.addDataSourceProperty("ApplicationName", "strangler-controlplane");
    // Seconds: a server that stops answering breaks the connection (UNAVAILABLE) instead of
    // holding the caller forever.
    config.addDataSourceProperty(
        "connectTimeout", Long.toString(settings.connectTimeout().toSeconds()));
    config.addDataSourceProperty(
        "socketTimeout", Long.toString(settings.socketTimeout().toSeconds()));
    config.addDataSourceProperty("tcpKeepAlive", "true");
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      // HikariCP fails fast when it cannot open a first connection.
      throw SqlErrors.translate(NAME, e);
    }
  }

  private static void requireReadCommitted(DataSource dataSource) {
    int isolation;
    try (Connection c = dataSource.getConnection()) {
      isolation = c.getTransactionIsolation();
    } catch (SQLException e) {
      throw SqlErrors.translate(NAME, e);
    }
    if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
      throw new IllegalArgumentException(
          "the control plane needs READ COMMITTED connections (PostgreSQL's default), but the"
              + " data source's use JDBC isolation level "
              + isolation
              + ": configure the pool with TRANSACTION_READ_COMMITTED");
    }
  }

  private static void migrate(DataSource dataSource) {
    try {
      Flyway.configure()
          .dataSource(dataSource)
          .locations(MIGRATIONS)
          .table(HISTORY_TABLE)
          // The database may already hold other tables (another component's, or its own Flyway
          // history): start this history at version 0 there rather than refuse.
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      var sql = SqlErrors.sqlCause(e);
      if (sql != null && SqlErrors.isUnavailable(sql)) {
        throw Errors.unavailable(NAME, sql);
      }
      throw new IllegalStateException(
          "cannot migrate the control plane schema (" + HISTORY_TABLE + "): " + e.getMessage(), e);
    }
  }

  private static SqlSessionFactory sessionFactory(DataSource dataSource) {
    // MyBatis only maps here: this class opens, commits, rolls back and closes every connection.
    ManagedTransactionFactory transactions = new ManagedTransactionFactory();
    Properties props = new Properties();
    props.setProperty("closeConnection", "false");
    transactions.setProperties(props);
    Configuration configuration =
        new Configuration(new Environment(NAME, transactions, dataSource));
    configuration.setCacheEnabled(false);
    // A session lives for one call; a session cache could answer a repeated read with a stale
    // row, for no gain.
    configuration.setLocalCacheScope(LocalCacheScope.STATEMENT);
    configuration.getTypeHandlerRegistry().register(Instant.class, new InstantTypeHandler());
    configuration.addMapper(ControlPlaneMapper.class);
    return new SqlSessionFactoryBuilder().build(configuration);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void close() {
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  // ---------------------------------------------------------------- topology

  /**
   * Makes {@code topology} the stored one: adds what is new, moves clusters between regions, and
   * removes regions and clusters it no longer lists (refused while repls or machines use them).
   */
  @Override
  public synchronized void applyTopology(Topology topology) {
    Objects.requireNonNull(topology, "topology");
    List<String> regionNames = new ArrayList<>();
    List<String> clusterNames = new ArrayList<>();
    List<String> clusterRegions = new ArrayList<>();
    topology
        .regions()
        .forEach(
            (region, clusters) -> {
              regionNames.add(region);
              for (String cluster : clusters) {
                clusterNames.add(cluster);
                clusterRegions.add(region);
              }
            });
    String[] regions = regionNames.toArray(String[]::new);
    String[] clusters = clusterNames.toArray(String[]::new);
    try {
      transaction(
          m -> {
            m.insertRegions(regions);
            m.upsertClusters(clusters, clusterRegions.toArray(String[]::new));
            m.deleteClustersNotIn(clusters);
            m.deleteRegionsNotIn(regions);
            return null;
          },
          done -> true);
    } catch (ControlPlaneException e) {
      SQLException sql = SqlErrors.sqlCause(e);
      if (sql != null && "23503".equals(sql.getSQLState())) {
        throw new IllegalArgumentException(
            "the topology leaves out a cluster or region that repls or machines still use: "
                + sql.getMessage(),
            e);
      }
      throw e;
    }
    this.topology = new TopologyView(topology);
  }

  @Override
  public Topology topology() {
    return topology.topology();
  }

  @Override
  public void ping() {
    try (java.sql.Connection c = dataSource.getConnection()) {
      if (!c.isValid(2)) {
        throw Errors.unavailable(NAME, new java.sql.SQLException("connection is not valid"));
      }
    } catch (java.sql.SQLException e) {
      throw Errors.unavailable(NAME, e);
    }
  }

  // ---------------------------------------------------------------- repls

  @Override
  public Repl createRepl(CreateReplRequest request, CallContext ctx) {
    request.validate();
    HashRing ring =
        topology.ring(request.region()).orElseThrow(() -> Errors.unknownRegion(request.region()));
    String cluster = ring.clusterFor(request.replId());
    int inserted =
        statement(
            m ->
                m.insertRepl(
                    request.replId(), request.ownerId(), request.slug(), cluster, ctx.now()));
    if (inserted == 1) {
      return new Repl(
          request.replId(),
          request.ownerId(),
          request.slug(),
          request.region(),
          cluster,
          null,
          ctx.now());
    }
    // The insert conflicted and changed nothing; say which key was taken, replId first.
    Taken taken = statement(m -> m.selectTaken(request.replId(), request.slug()));
    if (taken.replIdTaken()) {
      throw Errors.replExists(request.replId());
    }
    if (taken.slugTaken()) {
      throw Errors.slugTaken(request.slug());
    }
    throw Errors.internal(
        NAME,
        new IllegalStateException(
            "inserting repl '" + request.replId() + "' conflicted, but no repl holds its keys"));
  }

  @Override
  public Repl getRepl(GetReplRequest request, CallContext ctx) {
    request.validate();
    Repl repl = statement(m -> m.selectRepl(request.replId()));
    if (repl == null) {
      throw Errors.replNotFound(request.replId());
    }
    return repl;
  }

  @Override
  public Repl transferRepl(TransferReplRequest request, CallContext ctx) {
    request.validate();
    String replId = request.replId();
    String target = request.targetCluster();
    if (!topology.hasCluster(target)) {
      throw Errors.unknownCluster(target);
    }
    if (request.isLazy()) {
      // One statement: sets the pending target, or cancels it when the target is the repl's own
      // cluster. Containers are not touched, so nothing needs to be seen first.
      Repl repl = statement(m -> m.setPendingTransfer(replId, target));
      if (repl == null) {
        throw Errors.replNotFound(replId);
      }
      return repl;
    }
    Instant now = ctx.now();
    return transaction(
        m -> {
          // The lock first, then the move in a statement of its own: the move must see (and stop)
          // a container that a ConnectRepl committed while this transaction waited for the lock.
          Repl repl = m.lockRepl(replId);
          if (repl == null) {
            throw Errors.replNotFound(replId);
          }
          if (repl.cluster().equals(target)) {
            if (repl.pendingTransferTo() != null) {
              m.clearPendingTransfer(replId);
            }
            return repl.withPendingTransferTo(null);
          }
          return m.moveRepl(replId, repl.cluster(), target, now, now.plus(request.tombstoneTtl()));
        },
        done -> true);
  }

  @Override
  public ResolveClusterResponse resolveCluster(ResolveClusterRequest request, CallContext ctx) {
    request.validate();
    ResolveClusterResponse resolved = statement(m -> m.selectResolve(request.replId(), ctx.now()));
    if (resolved == null) {
      throw Errors.replNotFound(request.replId());
    }
    return resolved;
  }

  @Override
  public HostingMetadata getHostingMetadata(GetHostingMetadataRequest request, CallContext ctx) {
    request.validate();
    HostingMetadata hosting = statement(m -> m.selectHostingMetadata(request.slug()));
    if (hosting == null) {
      throw Errors.slugNotFound(request.slug());
    }
    return hosting;
  }

  // ---------------------------------------------------------------- machines

  @Override
  public Machine registerMachine(RegisterMachineRequest request, CallContext ctx) {
    request.validate();
    if (!topology.hasCluster(request.cluster())) {
      throw Errors.unknownCluster(request.cluster());
    }
    Machine machine =
        statement(
            m ->
                m.upsertMachine(
                    request.machineId(),
                    request.cluster(),
                    request.address(),
                    request.capacity(),
                    ctx.now()));
    if (machine != null) {
      return machine;
    }
    // No row: the machine exists in another cluster (machines never change cluster or go away).
    String registeredIn = statement(m -> m.selectMachineCluster(request.machineId()));
    if (registeredIn == null) {
      throw Errors.internal(
          NAME,
          new IllegalStateException(
              "registering machine '" + request.machineId() + "' conflicted, but it is gone"));
    }
    throw Errors.machineInOtherCluster(request.machineId(), registeredIn);
  }

  @Override
  public Machine heartbeat(HeartbeatRequest request, CallContext ctx) {
    request.validate();
    Machine machine =
        statement(m -> m.heartbeat(request.machineId(), request.cpuPercent(), ctx.now()));
    if (machine == null) {
      throw Errors.machineNotFound(request.machineId());
    }
    return machine;
  }

  @Override
  public Machine drainMachine(DrainMachineRequest request, CallContext ctx) {
    request.validate();
    Machine machine = statement(m -> m.drainMachine(request.machineId()));
    if (machine == null) {
      throw Errors.machineNotFound(request.machineId());
    }
    return machine;
  }

  @Override
  public ListMachinesResponse listMachines(ListMachinesRequest request, CallContext ctx) {
    request.validate();
    if (!topology.hasCluster(request.cluster())) {
      throw Errors.unknownCluster(request.cluster());
    }
    return new ListMachinesResponse(
        List.copyOf(statement(m -> m.selectMachines(request.cluster()))));
  }

  // ---------------------------------------------------------------- containers

  /** How one ConnectRepl write transaction ended: with an answer to commit, or lost to a race. */
  private sealed interface Attempt {}

  private record Answered(ConnectReplResponse response) implements Attempt {}

  /** Rolled back: a concurrent call changed what this one read. The next attempt reads again. */
  private record Lost(String why) implements Attempt {}

  /**
   * Each attempt reads the repl and its running container (one statement, which answers a repl that
   * already runs), then in one transaction reads placement candidates and makes one guarded write
   * (see placeContainer in ControlPlaneMapper.xml). The first read need not be inside that
   * transaction: under READ COMMITTED every statement has its own snapshot anyway, and the write
   * re-checks all it relied on (the repl's cluster and pending transfer in its guard, the absence
   * of a running container through the unique index, the machine's room in its claim).
   *
   * <p>A write whose checks fail rolls back and the next attempt reads again. Of concurrent calls
   * for one repl, the partial unique index lets exactly one insert; the others wait for it to
   * commit, insert nothing, and their next attempt answers the winner's container with
   * created=false. Every lost attempt means a concurrent call committed (a container for this repl,
   * a transfer of it, a slot on the chosen machine), so attempts end quickly; the bound is a
   * backstop.
   */
  @Override
  public ConnectReplResponse connectRepl(ConnectReplRequest request, CallContext ctx) {
    request.validate();
    String replId = request.replId();
    ContainerPlacement given = request.placement();
    String containerId =
        given != null && given.containerId() != null
            ? given.containerId()
            : Ids.containerId(ctx.requestId());
    Lost last = null;
    for (int attempt = 1; attempt <= MAX_CONNECT_ATTEMPTS; attempt++) {
      ReplState state = statement(m -> m.selectReplState(replId));
      if (state == null) {
        throw Errors.replNotFound(replId);
      }
      if (state.running() != null) {
        return new ConnectReplResponse(state.running(), false, false);
      }
      Attempt a =
          transaction(
              m -> place(m, state.repl(), given, containerId, ctx.now()),
              Answered.class::isInstance);
      if (a instanceof Answered answered) {
        return answered.response();
      }
      last = (Lost) a;
    }
    throw Errors.internal(
        NAME,
        new IllegalStateException(
            "ConnectRepl for repl '"
                + replId
                + "' lost "
                + MAX_CONNECT_ATTEMPTS
                + " races in a row; last: "
                + last.why()));
  }

  /**
   * Places a container for {@code repl}, which had no running one when read: on the machine {@code
   * given} names when it is one of the target cluster's (a decision made elsewhere, so its room and
   * state are not checked again), else where {@link Placement} chooses.
   */
  private static Attempt place(
      ControlPlaneMapper m, Repl repl, ContainerPlacement given, String containerId, Instant now) {
    String replId = repl.replId();
    String pending = repl.pendingTransferTo();
    String cluster = pending != null ? pending : repl.cluster();
    Machine own = Placement.choose(replId, m.selectCandidates(cluster)).orElse(null);
    // Machines never change cluster, so this read cannot go stale before the write.
    boolean applyGiven = given != null && cluster.equals(m.selectMachineCluster(given.machineId()));
    if (!applyGiven && own == null) {
      throw Errors.noCapacity(replId, cluster);
    }
    String machineId = applyGiven ? given.machineId() : own.machineId();
    PlacementUse use =
        given == null ? null : new PlacementUse(applyGiven, own == null ? null : own.machineId());
    boolean checkRoom = !applyGiven;
    PlacementResult placed;
    try {
      placed =
          pending == null
              ? m.placeContainer(replId, cluster, machineId, containerId, now, checkRoom)
              : m.placeContainerWithTransfer(
                  replId,
                  repl.cluster(),
                  pending,
                  machineId,
                  containerId,
                  now,
                  now.plus(LAZY_TRANSFER_TOMBSTONE_TTL),
                  checkRoom);
    } catch (RuntimeException e) {
      if (SqlErrors.isUniqueViolation(e, CONTAINERS_PKEY)) {
        throw Errors.containerExists(containerId);
      }
      throw e;
    }
    if (placed.placed()) {
      return new Answered(new ConnectReplResponse(placed.container(), true, pending != null, use));
    }
    if (!placed.guarded()) {
      return new Lost("repl '" + replId + "' was transferred meanwhile");
    }
    if (placed.container() == null) {
      return new Lost("another call started a container for repl '" + replId + "'");
    }
    return new Lost("machine '" + machineId + "' filled up or was drained");
  }

  @Override
  public Container stopContainer(StopContainerRequest request, CallContext ctx) {
    request.validate();
    Container container = statement(m -> m.stopContainer(request.containerId(), ctx.now()));
    if (container == null) {
      throw Errors.containerNotFound(request.containerId());
    }
    return container;
  }

  @Override
  public ListContainersResponse listContainers(ListContainersRequest request, CallContext ctx) {
    request.validate();
    List<Container> rows;
    if (request.replId() != null) {
      rows = statement(m -> m.selectContainersOfRepl(request.replId()));
      if (rows.isEmpty()) {
        throw Errors.replNotFound(request.replId());
      }
    } else {
      rows = statement(m -> m.selectContainersOfMachine(request.machineId()));
      if (rows.isEmpty()) {
        throw Errors.machineNotFound(request.machineId());
      }
    }
    // A known owner without containers comes back as one all-NULL row, mapped to null.
    return new ListContainersResponse(rows.stream().filter(Objects::nonNull).toList());
  }

  // ---------------------------------------------------------------- plumbing

  /** Work on one connection through the mapper; may throw ControlPlaneException. */
  @FunctionalInterface
  private interface Work<T> {
    T run(ControlPlaneMapper mapper);
  }

  /** One statement in autocommit mode: its own transaction, one round trip. */
  private <T> T statement(Work<T> work) {
    return run(true, work, done -> true);
  }

  /**
   * Several statements in one transaction, committed when {@code commit} accepts the result, rolled
   * back when it does not or when the work throws.
   */
  private <T> T transaction(Work<T> work, Predicate<? super T> commit) {
    return run(false, work, commit);
  }

  private <T> T run(boolean autoCommit, Work<T> work, Predicate<? super T> commit) {
    for (int retry = 0; ; retry++) {
      try {
        return runOnce(autoCommit, work, commit);
      } catch (ControlPlaneException e) {
        throw e;
      } catch (RuntimeException e) {
        if (retry < MAX_TRANSIENT_RETRIES && SqlErrors.isRetryable(e)) {
          continue;
        }
        throw SqlErrors.translate(NAME, e);
      } catch (SQLException e) {
        if (retry < MAX_TRANSIENT_RETRIES && SqlErrors.isRetryable(e)) {
          continue;
        }
        throw SqlErrors.translate(NAME, e);
      }
    }
  }

  private <T> T runOnce(boolean autoCommit, Work<T> work, Predicate<? super T> commit)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(autoCommit);
      boolean ended = autoCommit;
      try {
        T result;
        try (SqlSession session = sessions.openSession(connection)) {
          result = work.run(session.getMapper(ControlPlaneMapper.class));
        }
        if (!autoCommit) {
          if (commit.test(result)) {
            connection.commit();
          } else {
            connection.rollback();
          }
          ended = true;
        }
        return result;
      } finally {
        if (!ended) {
          rollbackQuietly(connection);
        }
      }
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // The connection is broken; closing it hands it back to the pool, which discards it. The
      // error that brought us here is the one the caller sees.
    }
  }
}
