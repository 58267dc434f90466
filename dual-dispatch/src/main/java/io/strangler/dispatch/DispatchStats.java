package io.strangler.dispatch;

/**
 * A snapshot of the proxy's bounds and its counters of calls that did not run as asked. Outcomes
 * themselves are counted by the sink ({@link CountingSink}).
 *
 * @param callsInFlight authoritative calls running
 * @param shadowCallsPending shadow calls running or queued (a timed-out call counts until it
 *     returns)
 * @param busyEntities entities with shadow writes queued or running
 * @param overloaded calls answered 503 because {@code maxInFlightCalls} were running
 * @param shadowDropped shadow calls dropped because the shadow budget was full
 * @param shadowNotSent shadow writes not sent because the authoritative write failed
 * @param shadowTimedOut shadow calls reported timed out
 * @param sinkFailures exchanges on which the sink threw
 */
public record DispatchStats(
    int callsInFlight,
    int maxCallsInFlight,
    int shadowCallsPending,
    int shadowBudget,
    int busyEntities,
    long overloaded,
    long shadowDropped,
    long shadowNotSent,
    long shadowTimedOut,
    long sinkFailures) {}
