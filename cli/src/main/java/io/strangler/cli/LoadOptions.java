package io.strangler.cli;

import picocli.CommandLine.Option;

/**
 * How a traffic command drives its target: calls in flight, the per-call timeout, and whether calls
 * to a proxy carry their routing key.
 */
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

  @Option(
      names = "--no-routing-key",
      description =
          "With --target: do not send each call's entity in the X-Routing-Key header (sent by default, for a load balancer that keeps one repl's calls on one proxy instance).")
  boolean noRoutingKey;

  /** Whether calls to a proxy carry {@code X-Routing-Key}. */
  boolean routingKeys() {
    return !noRoutingKey;
  }
}
