package io.strangler.traffic.simulate;

import java.time.Duration;

/**
 * The simulated platform's size and schedule. Checked when built; times are fractions of the run.
 *
 * @param rate calls per second
 * @param duration how long the traffic runs
 * @param seed the generator's seed: with one worker, the same seed gives the same calls
 * @param users users, 60% in region us and 40% in eu, a fifth of them (in either) bound for asia
 * @param replsPerUser repls each user starts with
 * @param machinesPerCluster machines registered in each cluster
 * @param capacity containers a machine takes
 * @param meanLifetime how long a container runs, on average (exponential), before it is stopped
 * @param heartbeatEvery how often each machine heartbeats
 * @param transferAt when (a fraction of the run) the asia region opens: its machines register and
 *     every repl of the users bound for it is marked for a lazy transfer to it
 * @param drainAt when one machine of each us and eu cluster is drained and replaced
 */
public record SimulationConfig(
    double rate,
    Duration duration,
    long seed,
    int users,
    int replsPerUser,
    int machinesPerCluster,
    int capacity,
    Duration meanLifetime,
    Duration heartbeatEvery,
    double transferAt,
    double drainAt) {

  public static final Duration MAX_DURATION = Duration.ofHours(24);

  public SimulationConfig {
    if (!(rate > 0 && rate <= 10_000)) {
      throw new IllegalArgumentException("--rate must be above 0 and at most 10000/s, got " + rate);
    }
    if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(
          "--duration must be above 0 and at most 24h, got " + duration);
    }
    check(users, 1, 1_000_000, "--users");
    check(replsPerUser, 1, 100, "--repls-per-user");
    check(machinesPerCluster, 1, 1000, "--machines-per-cluster");
    check(capacity, 1, 100_000, "--capacity");
    if (meanLifetime.isNegative() || meanLifetime.isZero()) {
      throw new IllegalArgumentException("--mean-lifetime must be positive, got " + meanLifetime);
    }
    if (heartbeatEvery.isNegative() || heartbeatEvery.isZero()) {
      throw new IllegalArgumentException(
          "--heartbeat-every must be positive, got " + heartbeatEvery);
    }
    if (!(transferAt >= 0 && transferAt < 1) || !(drainAt >= 0 && drainAt < 1)) {
      throw new IllegalArgumentException(
          "--transfer-at and --drain-at are fractions of the run in [0, 1), got "
              + transferAt
              + " and "
              + drainAt);
    }
  }

  private static void check(int v, int min, int max, String option) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(option + " must be " + min + ".." + max + ", got " + v);
    }
  }

  /** The calls the run sends at most: its rate over its duration. */
  public long calls() {
    return (long) Math.ceil(rate * duration.toNanos() / 1e9);
  }
}
