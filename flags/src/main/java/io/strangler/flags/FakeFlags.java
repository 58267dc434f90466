package io.strangler.flags;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Flags for tests: a mode per operation (a default for the rest) and two kill switches, set from
 * the test. Kill switches resolve as in production ({@link KillSwitches}); there is no rollout.
 */
public final class FakeFlags implements Flags {
  private final Map<String, Mode> modes = new ConcurrentHashMap<>();
  private volatile Mode defaultMode;
  private volatile boolean legacyKilled;
  private volatile boolean newKilled;

  public FakeFlags(Mode defaultMode) {
    this.defaultMode = defaultMode;
  }

  public FakeFlags set(String operation, Mode mode) {
    modes.put(operation, mode);
    return this;
  }

  public FakeFlags setDefault(Mode mode) {
    defaultMode = mode;
    return this;
  }

  public FakeFlags killLegacy(boolean killed) {
    legacyKilled = killed;
    return this;
  }

  public FakeFlags killNew(boolean killed) {
    newKilled = killed;
    return this;
  }

  @Override
  public Decision decide(String operation, String routingKey) {
    Mode mode = modes.getOrDefault(operation, defaultMode);
    return KillSwitches.apply(new Decision(mode, "fake"), legacyKilled, newKilled);
  }
}
