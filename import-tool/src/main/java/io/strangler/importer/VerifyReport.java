package io.strangler.importer;

import java.util.List;
import java.util.Locale;

/**
 * The verification after an import: for each sampled repl, the legacy reads and the control plane's
 * reads compared; a repl matches when every read gave the same answer.
 *
 * @param sampled repls compared
 * @param matching repls whose reads all agreed
 * @param reads reads compared in all
 * @param threshold the parity (percent) the verification needs
 * @param differences the first differences found, at most as many as asked for
 * @param error why the verification could not run, or null
 */
public record VerifyReport(
    int sampled,
    int matching,
    long reads,
    double threshold,
    List<Difference> differences,
    String error) {

  public VerifyReport {
    differences = List.copyOf(differences);
  }

  /** A verification that could not run (a backend could not be reached); it does not pass. */
  static VerifyReport failed(double threshold, String error) {
    return new VerifyReport(0, 0, 0, threshold, List.of(), error);
  }

  /** One read that answered differently. */
  public record Difference(String replId, String read, String legacy, String controlPlane) {}

  /** The share of sampled repls that matched, in percent (100 for an empty sample). */
  public double parity() {
    return sampled == 0 ? 100.0 : 100.0 * matching / sampled;
  }

  public boolean passed() {
    return error == null && parity() >= threshold;
  }

  public String render() {
    StringBuilder b = new StringBuilder();
    if (error != null) {
      return "verify: could not run: " + error + System.lineSeparator();
    }
    b.append(
        String.format(
            Locale.ROOT,
            "verify: %d of %d sampled repls match (%d reads compared): parity %.2f%% (threshold"
                + " %.2f%%): %s%n",
            matching,
            sampled,
            reads,
            parity(),
            threshold,
            passed() ? "PASSED" : "FAILED"));
    for (Difference d : differences) {
      b.append("  ").append(d.replId()).append(' ').append(clip(d.read(), 400)).append('\n');
      b.append("    legacy:        ").append(clip(d.legacy(), BODY)).append('\n');
      b.append("    control plane: ").append(clip(d.controlPlane(), BODY)).append('\n');
    }
    return b.toString();
  }

  /** Characters of each answer shown in {@link #render}; the record keeps them whole. */
  private static final int BODY = 160;

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " chars)";
  }
}
