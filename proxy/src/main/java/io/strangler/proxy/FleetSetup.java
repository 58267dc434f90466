package io.strangler.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * How an instance takes part in a fleet of proxies sharing the diff reporter's PostgreSQL: its
 * counters are written every {@code flushInterval} for the fleet's readiness, and it reports which
 * flags it applies. The instance id is the proxy's ({@code ProxyConfig.instanceId()}, else {@code
 * host:port}).
 */
public record FleetSetup(Duration flushInterval) {
  public FleetSetup {
    Objects.requireNonNull(flushInterval, "flushInterval");
  }

  /** Counters written every 2 s. */
  public static FleetSetup defaults() {
    return new FleetSetup(Duration.ofSeconds(2));
  }
}
