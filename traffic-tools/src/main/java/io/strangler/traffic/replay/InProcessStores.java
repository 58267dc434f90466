package io.strangler.traffic.replay;

import io.opentelemetry.api.metrics.MeterProvider;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.convergence.Side;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.proxy.ControlApiBinding;
import io.strangler.proxy.RepairWiring;
import io.strangler.proxy.Topologies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Opens both backends in this process, on the stores named, for an in-process target. */
public final class InProcessStores {
  private static final Duration SHADOW_WAIT = Duration.ofSeconds(5);

  private InProcessStores() {}

  /**
   * Both planes over {@code redis} and {@code postgres}. The topology is {@code topologyFile}'s
   * when given (applied to both), else the legacy store's, copied to the control plane when they
   * differ; stores with no topology at all are refused, since no call could succeed.
   */
  public static InProcessTarget open(
      String redis, String postgres, Path topologyFile, Clock clock) {
    if (redis == null || postgres == null) {
      throw new ReplayException(
          "an in-process run needs both stores: --redis URL and --postgres URL");
    }
    PostgresEndpoint pg;
    try {
      pg = PostgresEndpoint.parse(postgres);
    } catch (IllegalArgumentException e) {
      throw new ReplayException("--postgres: " + e.getMessage());
    }
    return open(redis, pg, topologyFile == null ? null : readTopology(topologyFile), clock);
  }

  /**
   * Both planes over {@code redis} and {@code pg}, given {@code topology} when not null (else the
   * legacy store's, as above).
   */
  public static InProcessTarget open(
      String redis, PostgresEndpoint pg, Topology topology, Clock clock) {
    ControlPlane legacy;
    try {
      legacy = LegacyRedisControlPlane.create(redis);
    } catch (RuntimeException e) {
      throw new ReplayException("--redis: cannot open " + redis + ": " + e.getMessage(), e);
    }
    ControlPlane controlPlane;
    try {
      controlPlane = new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password());
    } catch (RuntimeException e) {
      legacy.close();
      throw new ReplayException(
          "--postgres: cannot open " + pg.jdbcUrl() + ": " + e.getMessage(), e);
    }
    try {
      shareTopology(legacy, controlPlane, topology);
    } catch (RuntimeException e) {
      legacy.close();
      controlPlane.close();
      throw e;
    }
    InProcessTarget.SidesSeen sides = new InProcessTarget.SidesSeen();
    Repairs repairs;
    try {
      repairs = Repairs.start(redis, pg, sides, clock);
    } catch (RuntimeException e) {
      legacy.close();
      controlPlane.close();
      throw new ReplayException("cannot start the repairs: " + e.getMessage(), e);
    }
    InProcessTarget target =
        new InProcessTarget(
            legacy,
            controlPlane,
            clock,
            "in process: legacy " + redis + ", new " + pg.jdbcUrl(),
            repairs.wiring().journal(),
            repairs,
            sides);
    // As serve's repairs wait for the proxy's lanes: at most the proxy's default shadow deadline.
    ShadowOrder order = target.order();
    repairs.wiring().awaitShadowWrites((key, backend) -> order.pending(key), SHADOW_WAIT);
    return target;
  }

  /**
   * The repair journal and repairer of an in-process run, as {@code serve} wires them, with the
   * journal in a directory of its own that is deleted when they are closed.
   */
  record Repairs(RepairWiring wiring, Path dir) implements AutoCloseable {
    static Repairs start(
        String redis, PostgresEndpoint pg, Supplier<Side> authoritativeForAll, Clock clock) {
      Path dir;
      try {
        dir = Files.createTempDirectory("strangler-inprocess-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a directory for the repair journal", e);
      }
      try {
        RepairWiring wiring =
            RepairWiring.start(
                RepairWiring.Setup.of(RepairWiring.journalDir(dir), redis, pg),
                ControlApiBinding.registry(),
                authoritativeForAll,
                MeterProvider.noop(),
                clock);
        return new Repairs(wiring, dir);
      } catch (RuntimeException e) {
        delete(dir);
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        wiring.close();
      } finally {
        delete(dir);
      }
    }

    private static void delete(Path dir) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + dir, e);
      }
    }
  }

  private static Topology readTopology(Path file) {
    try {
      return Topologies.read(file);
    } catch (IOException | RuntimeException e) {
      throw new ReplayException(
          "--topology "
              + file
              + ": not a topology {\"regions\": {\"region\": [\"cluster\", ...]}}: "
              + e.getMessage());
    }
  }

  static void shareTopology(ControlPlane legacy, ControlPlane controlPlane, Topology topology) {
    Topologies.Shared shared;
    try {
      shared = Topologies.share(legacy, controlPlane, topology);
    } catch (RuntimeException e) {
      throw new ReplayException(
          "the stores refused the topology "
              + (topology == null ? "of the legacy store" : topology.regions())
              + ": "
              + e.getMessage(),
          e);
    }
    if (shared == Topologies.Shared.NONE) {
      throw new ReplayException(
          "the legacy store has no topology: seed the stores first, or pass --topology FILE");
    }
  }
}
