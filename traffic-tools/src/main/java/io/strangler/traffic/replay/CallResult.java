package io.strangler.traffic.replay;

import io.strangler.diff.Classification;
import java.time.Duration;
import java.util.Objects;

/**
 * What one sent call gave.
 *
 * @param answer what the client got (the authoritative answer)
 * @param latency the client's wait: the proxy's round trip, or both backends in turn in process
 * @param compared the two backends' answers compared, when this replayer compared them (in
 *     process); null when the proxy did, or when nothing was compared (a refused call)
 */
public record CallResult(Answer answer, Duration latency, Compared compared) {
  public CallResult {
    Objects.requireNonNull(answer, "answer");
    Objects.requireNonNull(latency, "latency");
  }

  /**
   * Both backends' outcome compared by the diff reporter's classifier.
   *
   * @param legacyLatency null when the legacy backend was not called
   * @param newLatency null when the new backend was not called
   */
  public record Compared(
      Classification classification, Duration legacyLatency, Duration newLatency) {
    public Compared {
      Objects.requireNonNull(classification, "classification");
    }
  }
}
