package io.strangler.importer;

import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code strangler seed}: a realistic legacy dataset in Redis, for demos, tests and benchmarks. */
@Command(
    name = "seed",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Writes a realistic legacy dataset into Redis, key for key in the legacy layout.",
      "",
      "Writes a realistic legacy dataset into one Redis logical database, key for key in the"
          + " legacy layout (docs/legacy-redis-layout.md): the topology, machines spread over"
          + " the clusters, repls placed by the hash ring with unique slugs, stopped and running"
          + " containers, pending lazy transfers and live tombstones. The same --seed (and"
          + " --now) writes the same dataset."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:seeded",
      "1:the server is unreachable or the database is not empty",
      "2:bad usage"
    },
    footerHeading = "%nExample:%n",
    footer = {"  strangler seed --redis redis://127.0.0.1:6379/0 --repls 100000 --machines 500"})
public final class SeedCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--redis",
      required = true,
      paramLabel = "URL",
      description = "The database to write: redis://[:password@]host:port[/db].")
  private String redis;

  @Option(names = "--repls", required = true, paramLabel = "N", description = "Repls to write.")
  private int repls;

  @Option(
      names = "--machines",
      required = true,
      paramLabel = "M",
      description = "Machines, spread evenly over the clusters.")
  private int machines;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "1",
      description = "Seed of the generator; default 1.")
  private long seed;

  @Option(
      names = "--regions",
      paramLabel = "R",
      defaultValue = "2",
      description = "Regions (region-1..); default 2.")
  private int regions;

  @Option(
      names = "--clusters-per-region",
      paramLabel = "C",
      defaultValue = "3",
      description = "Clusters per region (region-1-c1..); default 3.")
  private int clustersPerRegion;

  @Option(
      names = "--now",
      paramLabel = "INSTANT",
      description =
          "The dataset's time (ISO-8601, e.g. 2026-11-21T07:00:00Z): all times are before it,"
              + " tombstones expire after it. Default: the current time.")
  private Instant now;

  @Option(
      names = "--flush",
      description = "Empty the logical database first (a non-empty one is refused otherwise).")
  private boolean flush;

  @Override
  public Integer call() {
    SeedOptions options;
    try {
      options =
          SeedOptions.builder()
              .redis(redis)
              .repls(repls)
              .machines(machines)
              .seed(seed)
              .regions(regions)
              .clustersPerRegion(clustersPerRegion)
              .now(now)
              .flush(flush)
              .build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    try {
      SeedSummary summary = Seeder.seed(options);
      spec.commandLine().getOut().print(summary.render());
      spec.commandLine().getOut().flush();
      return 0;
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("seed failed: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return 1;
    }
  }
}
