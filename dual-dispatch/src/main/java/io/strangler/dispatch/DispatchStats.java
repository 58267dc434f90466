package io.strangler.dispatch;

/**
 * A snapshot of the proxy's bounds and its counters of calls that did not run as asked. Outcomes
 * themselves are counted by the sink ({@link CountingSink}).
 *
 * @param callsInFlight authoritative calls running or queued
 * @param shadowCallsPending shadow calls running or queued (a timed-out call counts until it
 *     returns)
 * @param busyEntities entities with shadow writes queued or running
 * @param overloaded calls answered 503 because {@code maxInFlightCalls} were running
 * @param deadlineExpired calls still queued at their deadline, never run
 * @param deadlineAnswered calls whose client was answered 503 by the deadline timer (queued or
 *     still running then); a running one's late result went to the sink only
 * @param shadowDropped shadow calls dropped because the shadow budget was full
 * @param shadowNotSent shadow writes not sent because the authoritative write failed or never ran
 * @param shadowTimedOut shadow calls reported timed out
 * @param shadowExpired shadow calls that waited past the shadow deadline, never run
 * @param sinkFailures exchanges on which the sink threw
 * @param connections the API port's connections
 */
public record DispatchStats(
    int callsInFlight,
    int maxCallsInFlight,
    int shadowCallsPending,
    int shadowBudget,
    int busyEntities,
    long overloaded,
    long deadlineExpired,
    long deadlineAnswered,
    long shadowDropped,
    long shadowNotSent,
    long shadowTimedOut,
    long shadowExpired,
    long sinkFailures,
    Connections connections) {

  /**
   * The API port's connections.
   *
   * @param open connections open now
   * @param max the most allowed at once
   * @param refused connections answered 503 and closed because {@code max} were open
   * @param readTimeouts connections closed because a request took longer than the read timeout to
   *     arrive
   */
  public record Connections(int open, int max, long refused, long readTimeouts) {}
}
