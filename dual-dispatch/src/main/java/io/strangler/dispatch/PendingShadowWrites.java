package io.strangler.dispatch;

import io.strangler.flags.Mode;

/**
 * Whether the proxy still holds a shadow call of an entity, queued or running. What a repair of
 * that entity waits for: a repair copies the authoritative state of now, and a shadow write queued
 * before it would otherwise land on top of it and show an older state until the last one lands.
 *
 * <p>Answered from the dispatcher's per-entity lanes ({@link
 * DispatchServer#pendingShadowWrites()}), which exist anyway: asking costs one map look-up, and the
 * request path pays nothing for it.
 */
@FunctionalInterface
public interface PendingShadowWrites {

  /** Nothing is ever pending (no proxy, or a single-backend run). */
  PendingShadowWrites NONE = (key, target) -> false;

  /**
   * @param key an ordering key ({@link ApiSpec#orderingKeys}) or a request's entity key
   * @param target the backend the shadow calls go to
   * @return true while a call of {@code key} to {@code target} waits in its lane or runs (a shadow
   *     call reported timed out still runs until its store answers)
   */
  boolean pending(String key, Mode.Backend target);
}
