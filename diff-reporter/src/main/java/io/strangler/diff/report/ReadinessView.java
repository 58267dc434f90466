package io.strangler.diff.report;

import java.util.List;

/**
 * Readiness per API from some set of results: this process's window ({@link Readiness}), or the
 * whole fleet's counters ({@link FleetReadiness}).
 */
public interface ReadinessView {
  /** Every API configured or seen, by name. */
  List<ApiReadiness> all();

  /** One API's readiness (NOT_READY with no calls when it was never seen). */
  ApiReadiness of(String api);
}
