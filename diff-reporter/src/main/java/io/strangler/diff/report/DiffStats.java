package io.strangler.diff.report;

import java.util.Map;

/**
 * A snapshot of the diff pipeline for {@code /admin/diff}: its bounds, what it compared and what it
 * did not. Maps are sorted by key; verdicts and labels are lower case, as in the metrics.
 *
 * @param queueDepth calls waiting to be compared
 * @param pendingRechecks second reads scheduled or running
 * @param processed compared calls by verdict
 * @param dropped calls not compared, by reason ({@code queue_full}, {@code closed})
 * @param droppedByApi the same by API, then reason
 * @param sampledOut calls left out by sampling, by API
 * @param rechecks second reads by result ({@code agreed}, {@code still_different}, ...)
 * @param classifyFailures calls whose comparison threw (a bug: logged)
 * @param listenerFailures results on which a listener threw (a bug: logged)
 * @param samples mismatch samples by API, then result ({@code stored}, {@code capped}, ...)
 */
public record DiffStats(
    int queueDepth,
    int queueCapacity,
    int workers,
    int pendingRechecks,
    int maxPendingRechecks,
    Map<String, Long> processed,
    Map<String, Long> dropped,
    Map<String, Map<String, Long>> droppedByApi,
    Map<String, Long> sampledOut,
    Map<String, Long> rechecks,
    long classifyFailures,
    long listenerFailures,
    Map<String, Map<String, Long>> samples) {}
