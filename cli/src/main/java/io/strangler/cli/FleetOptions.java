package io.strangler.cli;

import io.strangler.api.Operation;
import io.strangler.dispatch.repair.FleetRepairs;
import io.strangler.dispatch.repair.Lease;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.FlagAudit;
import io.strangler.flags.FlagSource;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.flags.PostgresFlags;
import io.strangler.proxy.FleetSetup;
import io.strangler.proxy.RepairWiring;
import io.strangler.proxy.StranglerServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code serve}'s options for running several instances behind a load balancer
 * (docs/operations.md): the instance's id, how often its counters reach the fleet's numbers, flags
 * shared in PostgreSQL, the repairer lease, and the drain on SIGTERM.
 */
final class FleetOptions {
  private static final Logger log = LoggerFactory.getLogger(FleetOptions.class);

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--instance-id",
      paramLabel = "ID",
      description =
          "This instance's name in the fleet: in X-Served-By, the fleet's readiness and /admin/flags (default: host:port).")
  String instanceId;

  @Option(
      names = "--fleet-flush",
      paramLabel = "DURATION",
      defaultValue = "PT2S",
      description =
          "How often this instance's diff counters are written to the shared PostgreSQL for the fleet's readiness, ISO-8601, 100 ms .. 1 min (default ${DEFAULT-VALUE}).")
  Duration flush;

  @Option(
      names = "--shared-flags",
      description =
          "Keep the flags in the PostgreSQL of --postgres, shared by every instance on it: a change through any instance applies on all within 1 s. The first instance seeds them from --flags FILE, else every API LEGACY_ONLY.")
  boolean sharedFlags;

  @Option(
      names = "--drain-delay",
      paramLabel = "DURATION",
      defaultValue = "PT0S",
      description =
          "On SIGTERM, answer /readyz 503 for this long while still serving, so the load balancer stops sending calls before the proxy stops taking them, ISO-8601; behind a load balancer at least its check interval x fall count (default ${DEFAULT-VALUE}).")
  Duration drainDelay;

  @Option(
      names = "--repair-lease",
      paramLabel = "DURATION",
      defaultValue = "PT6S",
      description =
          "How long the fleet's repairer lease lasts after its holder's last renewal (renewed every third of it): the longest another instance waits to take over the repairs of one that died, ISO-8601, 1.5 s .. 5 min (default ${DEFAULT-VALUE}).")
  Duration repairLease;

  /** Checks the options before any store starts. */
  void check(boolean unleash) {
    if (sharedFlags && unleash) {
      throw new ParameterException(
          spec.commandLine(), "--shared-flags and --unleash are two flag sources: give one");
    }
    if (flush.compareTo(Duration.ofMillis(100)) < 0 || flush.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new ParameterException(
          spec.commandLine(), "--fleet-flush must be within PT0.1S .. PT1M, got " + flush);
    }
    if (repairLease.compareTo(Duration.ofMillis(1500)) < 0
        || repairLease.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new ParameterException(
          spec.commandLine(), "--repair-lease must be within PT1.5S .. PT5M, got " + repairLease);
    }
    if (drainDelay.isNegative() || drainDelay.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new ParameterException(
          spec.commandLine(), "--drain-delay must be within PT0S .. PT5M, got " + drainDelay);
    }
  }

  /** This instance's id: the option, else host:port of the API port. */
  String instanceId(int port) {
    return instanceId != null
        ? instanceId
        : io.strangler.dispatch.ProxyConfig.defaultInstanceId(port);
  }

  /** The diff setup, counting in the fleet's numbers. */
  StranglerServer.DiffSetup diff(StranglerServer.DiffSetup base) {
    return base.withFleet(new FleetSetup(flush));
  }

  /**
   * The repairs shared by the fleet: the journal forwarded into the queue in PostgreSQL, one
   * instance at a time repairing under the lease.
   */
  RepairWiring.Setup repairs(RepairWiring.Setup base, String instance) {
    Lease.Options lease = new Lease.Options(repairLease, repairLease.dividedBy(3));
    return base.withFleet(
        new RepairWiring.SharedRepairs(instance, FleetRepairs.Options.defaults().withLease(lease)));
  }

  /** The shared flags in {@code postgres}, seeded from {@code seedFile} (when given) if empty. */
  FlagSource openSharedFlags(PostgresEndpoint postgres, Path seedFile, FlagAudit audit)
      throws IOException {
    List<String> operations = Operation.ALL.stream().map(Operation::name).toList();
    FlagsFile seed =
        seedFile != null
            ? FlagsFile.parse(Files.readAllBytes(seedFile))
            : FlagsFile.allIn(Mode.LEGACY_ONLY, operations);
    return PostgresFlags.builder(postgres.jdbcUrl(), postgres.user(), postgres.password())
        .knownOperations(operations)
        .seed(seed, seedFile != null ? "seed from " + seedFile.getFileName() : "seed")
        .audit(audit)
        .build();
  }

  /** Fails the health check for the drain delay (when set), then shuts the server down. */
  void drainThenShutdown(StranglerServer server) {
    if (drainDelay.isPositive()) {
      log.info(
          "draining: /readyz answers 503 for {} before the proxy stops taking calls", drainDelay);
      server.dispatch().stopReadiness();
      try {
        Thread.sleep(drainDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    server.shutdown(Duration.ofSeconds(10));
  }
}
