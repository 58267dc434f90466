package io.strangler.importer;

import java.time.Duration;
import java.util.Locale;

/** What {@link Seeder} wrote. */
public record SeedSummary(
    long seed,
    int regions,
    int clusters,
    int machines,
    int repls,
    int containers,
    int runningContainers,
    int pendingTransfers,
    int tombstones,
    long keys,
    Duration elapsed) {

  public String render() {
    return String.format(
        Locale.ROOT,
        "seeded (seed %d): %d regions, %d clusters, %d machines, %d repls, %d containers (%d"
            + " running), %d pending transfers, %d live tombstones: %d keys in %.1f s%n",
        seed,
        regions,
        clusters,
        machines,
        repls,
        containers,
        runningContainers,
        pendingTransfers,
        tombstones,
        keys,
        elapsed.toNanos() / 1e9);
  }
}
