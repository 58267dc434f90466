package io.strangler.api;

import java.net.URL;

/**
 * Where the control API's comparison rules live: {@code diff-rules.yaml} beside this class, in the
 * format of {@code docs/diff-rules.md}. Part of the contract, so the proxy, the import's read-back
 * and the drift scan compare both backends by the same rules.
 */
public final class DiffRulesFile {
  /** The classpath resource of the rules. */
  public static final String RESOURCE = "/io/strangler/api/diff-rules.yaml";

  private DiffRulesFile() {}

  /** The rules file bundled with the contract. */
  public static URL url() {
    URL url = DiffRulesFile.class.getResource(RESOURCE);
    if (url == null) {
      throw new IllegalStateException("The control API's diff rules " + RESOURCE + " are missing");
    }
    return url;
  }
}
