package io.strangler.cutover;

import io.strangler.diff.report.ApiReadiness;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Where the gates' figures come from, as one snapshot per API. The seam where the sources are
 * wired: the diff pipeline's readiness (compared calls, consistency), the proxy's own {@link
 * HealthWindow} (error rates, p99 per backend), a repair journal and a drift scanner (unknown until
 * wired).
 */
@FunctionalInterface
public interface GateInputs {

  ApiHealth health(String api);

  /** Pending repairs per API: unknown (every repair gate fails) until a journal is wired. */
  Function<String, OptionalLong> REPAIRS_UNKNOWN = api -> OptionalLong.empty();

  /** Last drift scan per API: unknown (the NEW_ONLY gate fails) until a scanner is wired. */
  Function<String, Optional<DriftScan>> DRIFT_UNKNOWN = api -> Optional.empty();

  /**
   * Inputs from their usual sources.
   *
   * @param readiness the diff pipeline's readiness of an API (e.g. {@code
   *     pipeline.readiness()::of})
   * @param window the proxy's health window
   * @param pendingRepairs pending repairs of an API, empty when unknown
   * @param lastDriftScan the last drift scan of an API, empty when unknown
   */
  static GateInputs of(
      Function<String, ApiReadiness> readiness,
      HealthWindow window,
      Function<String, OptionalLong> pendingRepairs,
      Function<String, Optional<DriftScan>> lastDriftScan) {
    return of(readiness, window, pendingRepairs, lastDriftScan, false);
  }

  /**
   * As above; with {@code backendsFromReadiness} the error-rate and p99 gates read each backend's
   * figures from {@code readiness} too (in a fleet: every instance's calls over the readiness
   * window) rather than from this proxy's own health window. An API readiness knows no call of
   * falls back to the window.
   */
  static GateInputs of(
      Function<String, ApiReadiness> readiness,
      HealthWindow window,
      Function<String, OptionalLong> pendingRepairs,
      Function<String, Optional<DriftScan>> lastDriftScan,
      boolean backendsFromReadiness) {
    Objects.requireNonNull(readiness, "readiness");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(pendingRepairs, "pendingRepairs");
    Objects.requireNonNull(lastDriftScan, "lastDriftScan");
    return api -> {
      ApiReadiness r = readiness.apply(api);
      HealthWindow.Stats w = window.stats(api);
      OptionalLong repairs = pendingRepairs.apply(api);
      boolean fromReadiness =
          backendsFromReadiness
              && r != null
              && r.legacy() != null
              && r.newBackend() != null
              && r.newBackend().calls() > 0;
      return new ApiHealth(
          api,
          r == null ? null : r.compared(),
          r == null ? null : r.consistencyPercent(),
          fromReadiness ? health(r.legacy()) : w.legacy(),
          fromReadiness ? health(r.newBackend()) : w.newer(),
          repairs.isPresent() ? repairs.getAsLong() : null,
          lastDriftScan.apply(api).orElse(null));
    };
  }

  /** A backend's figures from readiness (over its window), as the gates read them. */
  private static BackendHealth health(ApiReadiness.BackendStats b) {
    return new BackendHealth(b.calls(), b.errors(), b.timeouts(), b.errorRatePercent(), b.p99Ms());
  }
}
