package io.strangler.cli;

import picocli.CommandLine.Option;

/** How hard a traffic command drives its target: calls in flight and the per-call timeout. */
final class LoadOptions {
  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Calls in flight at most (default ${DEFAULT-VALUE}). Calls of one entity always go one after the other, in order; with more than 1, calls of different entities may interleave differently from one run to the next.")
  int concurrency;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "With --target: per-call timeout (default ${DEFAULT-VALUE}).")
  String timeout;
}
