package io.strangler.flags;

import java.util.Objects;

/**
 * What the flags say for one call: the mode to dispatch in (null when both backends are killed: the
 * call is answered UNAVAILABLE) and where that came from, for the admin page and logs.
 */
public record Decision(Mode mode, String source) {
  public Decision {
    Objects.requireNonNull(source, "source");
  }

  public static Decision unavailable(String source) {
    return new Decision(null, source);
  }

  public boolean isUnavailable() {
    return mode == null;
  }
}
