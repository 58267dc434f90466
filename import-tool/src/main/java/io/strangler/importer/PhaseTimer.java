package io.strangler.importer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Times consecutive phases of an import for the summary (where did the time go) and announces each
 * to the progress reporter. Measures with the monotonic clock: durations only, no dates.
 */
final class PhaseTimer {
  private final Consumer<String> announce;
  private final Map<String, Duration> phases = new LinkedHashMap<>();
  private String current;
  private long startedNanos;

  PhaseTimer(Consumer<String> announce) {
    this.announce = announce;
  }

  /** Ends the current phase, if any, and starts {@code name}. */
  void start(String name) {
    stop();
    current = name;
    startedNanos = System.nanoTime();
    announce.accept(name);
  }

  void stop() {
    if (current != null) {
      phases.merge(current, Duration.ofNanos(System.nanoTime() - startedNanos), Duration::plus);
      current = null;
    }
  }

  /** Phases in the order they started, with their durations. */
  Map<String, Duration> phases() {
    stop();
    return new LinkedHashMap<>(phases);
  }
}
