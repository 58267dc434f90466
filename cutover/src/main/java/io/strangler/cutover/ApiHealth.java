package io.strangler.cutover;

import java.util.Objects;

/**
 * Everything the gates of one API read, taken at one moment. A null figure is unknown (its source
 * is not wired, or it has nothing in its window), and the gate that reads it fails.
 *
 * @param api the operation
 * @param compared calls the diff pipeline compared in its readiness window
 * @param consistencyPercent consistent among them, in percent
 * @param legacy the legacy backend over the health window
 * @param newer the new backend over the health window
 * @param pendingRepairs repairs not yet applied for this API
 * @param lastDriftScan the last drift scan of this API's entities
 */
public record ApiHealth(
    String api,
    Long compared,
    Double consistencyPercent,
    BackendHealth legacy,
    BackendHealth newer,
    Long pendingRepairs,
    DriftScan lastDriftScan) {
  public ApiHealth {
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(legacy, "legacy");
    Objects.requireNonNull(newer, "newer");
  }
}
