package io.strangler.cutover;

import io.strangler.flags.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The steps an API climbs during a cut-over, in strictly increasing order. An API whose flag is
 * between two steps (set by hand, e.g. NEW_PRIMARY 30%) is off the ladder: it can still move up to
 * the next step above it or down to the step below it.
 */
public record Ladder(List<Step> steps) {
  public Ladder {
    steps = List.copyOf(steps);
    if (steps.size() < 2) {
      throw new IllegalArgumentException("a ladder needs at least two steps, got " + steps);
    }
    for (int i = 1; i < steps.size(); i++) {
      if (steps.get(i - 1).compareTo(steps.get(i)) >= 0) {
        throw new IllegalArgumentException(
            "ladder steps must increase: "
                + steps.get(i - 1)
                + " then "
                + steps.get(i)
                + " in "
                + steps);
      }
    }
  }

  /** LEGACY_ONLY, SHADOW, NEW_PRIMARY 1%, 10%, 50%, 100%, NEW_ONLY. */
  public static Ladder defaults() {
    return new Ladder(
        List.of(
            Step.of(Mode.LEGACY_ONLY),
            Step.of(Mode.SHADOW),
            new Step(Mode.NEW_PRIMARY, 1),
            new Step(Mode.NEW_PRIMARY, 10),
            new Step(Mode.NEW_PRIMARY, 50),
            Step.of(Mode.NEW_PRIMARY),
            Step.of(Mode.NEW_ONLY)));
  }

  /**
   * Steps separated by commas, e.g. {@code LEGACY_ONLY,SHADOW,NEW_PRIMARY 5%,NEW_PRIMARY,NEW_ONLY}.
   */
  public static Ladder parse(String text) {
    List<Step> out = new ArrayList<>();
    for (String part : text.split(",")) {
      out.add(Step.parse(part));
    }
    return new Ladder(out);
  }

  /** The index of {@code step} on the ladder, or -1 when it is off the ladder. */
  public int indexOf(Step step) {
    return steps.indexOf(step);
  }

  /** The first step above {@code current}. */
  public Optional<Step> next(Step current) {
    return steps.stream().filter(s -> s.compareTo(current) > 0).findFirst();
  }

  /** The last step below {@code current}. */
  public Optional<Step> previous(Step current) {
    Step found = null;
    for (Step s : steps) {
      if (s.compareTo(current) < 0) {
        found = s;
      }
    }
    return Optional.ofNullable(found);
  }

  public boolean contains(Step step) {
    return steps.contains(step);
  }
}
