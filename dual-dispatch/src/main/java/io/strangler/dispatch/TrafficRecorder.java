package io.strangler.dispatch;

import java.time.Duration;

/**
 * An {@link OutcomeSink} that writes the proxy's traffic to a JSON Lines log for replay: one line
 * per call with its time, operation, request id, dispatch mode, request and the authoritative
 * answer (or its error and HTTP status). Sampled per operation, rotated by size, redacted, and
 * written by one thread behind a bounded queue: it never blocks or fails the proxy's call, and
 * counts what it drops.
 *
 * <p>A line: {@code {"time": "2026-11-21T07:00:00.123Z", "operation": "GetRepl", "requestId":
 * "...", "mode": "SHADOW", "request": {...}, "answer": {...}}}, or for an error {@code ...,
 * "error": {"code": "NOT_FOUND", "message": "..."}, "status": 404}}. {@code time} is the proxy's
 * stamp, the {@code now} both backends were given. Lines are in the order calls completed, which
 * for concurrent calls may differ from the order of {@code time}.
 */
public interface TrafficRecorder extends OutcomeSink, AutoCloseable {

  /** Starts a recorder writing as {@code config} says; fails now if the file cannot be opened. */
  static TrafficRecorder start(RecordingConfig config) {
    return new FileTrafficRecorder(config, FileTrafficRecorder.FILES);
  }

  /** A recorder that records nothing, for a proxy started without a traffic log. */
  static TrafficRecorder disabled() {
    return NoRecording.INSTANCE;
  }

  RecordingStats stats();

  /** {@code GET /admin/recording}: the {@link #stats()} as JSON. */
  default AdminRoutes routes() {
    return AdminRoutes.builder()
        .get("/admin/recording", request -> AdminResponse.ok(Json.MAPPER.valueToTree(stats())))
        .build();
  }

  /**
   * Stops taking calls and writes those queued, waiting at most {@code timeout}; false if the
   * writer did not finish in time (what was left is counted as dropped).
   */
  boolean close(Duration timeout);

  @Override
  default void close() {
    close(Duration.ofSeconds(5));
  }
}

enum NoRecording implements TrafficRecorder {
  INSTANCE;

  @Override
  public void accept(Exchange exchange) {}

  @Override
  public RecordingStats stats() {
    return RecordingStats.DISABLED;
  }

  @Override
  public boolean close(Duration timeout) {
    return true;
  }
}
