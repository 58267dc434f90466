package io.strangler.diff;

import io.strangler.api.DiffRulesFile;

/** The control API's comparison rules, as the proxy loads them. */
final class ControlApiRules {
  static final DiffRules RULES = DiffRules.load(DiffRulesFile.url());

  private ControlApiRules() {}
}
