package io.strangler.diff.report;

/**
 * Consumes the pipeline's results: metrics, readiness, the sample store, a live page. Called on the
 * pipeline's worker and recheck threads, concurrently: an implementation is thread-safe and quick
 * (it hands slow work, such as a database write, to its own bounded queue). A throw is caught,
 * counted and logged; the other listeners still get the result.
 */
@FunctionalInterface
public interface DiffListener {
  void onResult(DiffResult result);
}
