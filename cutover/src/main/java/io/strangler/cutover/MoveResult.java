package io.strangler.cutover;

import java.util.List;

/** The outcome of a cut-over move, as a value. */
public sealed interface MoveResult {

  /** Moved, and audited as {@code event}. */
  record Moved(CutoverEvent event) implements MoveResult {}

  /** Not moved: these gates of the target step fail (a 409). */
  record Refused(String api, String from, String to, List<Gate> gates) implements MoveResult {
    public Refused {
      gates = List.copyOf(gates);
    }

    /** The failing gates, in order. */
    public List<Gate> failing() {
      return gates.stream().filter(g -> !g.passed()).toList();
    }

    /**
     * {@code GetRepl: NEW_PRIMARY 10% -> NEW_PRIMARY 50% refused: gate consistency 99.5% (needs >=
     * 99.99%): FAIL; ...}.
     */
    public String message() {
      StringBuilder b = new StringBuilder(api + ": " + from + " -> " + to + " refused: ");
      List<Gate> f = failing();
      for (int i = 0; i < f.size(); i++) {
        b.append(i == 0 ? "gate " : "; gate ").append(f.get(i));
      }
      return b.append(" (--force --reason TEXT overrides, audited)").toString();
    }
  }

  /** The request is wrong (unknown API, no step above, a force without a reason): a 400. */
  record Invalid(String message) implements MoveResult {}

  /** The flag source could not store the move: a 503. */
  record Failed(String message) implements MoveResult {}
}
