package io.strangler.dispatch;

/**
 * What the {@link TrafficRecorder} has done since it started. Every call handed to it is in exactly
 * one of {@code written}, {@code sampledOut}, {@code notApplied}, {@code droppedQueueFull}, {@code
 * droppedClosed}, {@code failed}, or still queued.
 *
 * @param enabled false for the recorder of a proxy that records nothing
 * @param file the current log file; null when disabled
 * @param written lines in the file (flushed: a line still in the writer's buffer is not yet
 *     counted)
 * @param bytes bytes written, over every file
 * @param sampledOut calls left out by the sampling ratio
 * @param notApplied calls no backend ran (the proxy was overloaded): not traffic to replay
 * @param droppedQueueFull calls dropped because the writer's queue was full
 * @param droppedClosed calls dropped because the recorder was closing
 * @param failed lines lost to an I/O error (logged, rate-limited); the next line opens the file
 *     again
 * @param rotations files rotated
 * @param queueDepth calls waiting for the writer now
 * @param queueCapacity the most that may wait
 */
public record RecordingStats(
    boolean enabled,
    String file,
    long written,
    long bytes,
    long sampledOut,
    long notApplied,
    long droppedQueueFull,
    long droppedClosed,
    long failed,
    long rotations,
    int queueDepth,
    int queueCapacity) {

  static final RecordingStats DISABLED =
      new RecordingStats(false, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** Calls handed over and not written: dropped either way. */
  public long dropped() {
    return droppedQueueFull + droppedClosed;
  }
}
