package io.strangler.cutover;

import java.time.Clock;
import java.util.Objects;

/** The ladder, the gates of its steps, the automatic rollback, and the clock they all read. */
public record CutoverConfig(Ladder ladder, GateConfig gates, RollbackConfig rollback, Clock clock) {
  public CutoverConfig {
    Objects.requireNonNull(ladder, "ladder");
    Objects.requireNonNull(gates, "gates");
    Objects.requireNonNull(rollback, "rollback");
    Objects.requireNonNull(clock, "clock");
  }

  public static CutoverConfig defaults() {
    return new CutoverConfig(
        Ladder.defaults(), GateConfig.defaults(), RollbackConfig.defaults(), Clock.systemUTC());
  }

  public CutoverConfig withRollback(RollbackConfig r) {
    return new CutoverConfig(ladder, gates, r, clock);
  }

  public CutoverConfig withGates(GateConfig g) {
    return new CutoverConfig(ladder, g, rollback, clock);
  }

  public CutoverConfig withClock(Clock c) {
    return new CutoverConfig(ladder, gates, rollback, c);
  }
}
