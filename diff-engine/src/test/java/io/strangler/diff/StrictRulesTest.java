package io.strangler.diff;

import static io.strangler.diff.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Without a rules file the engine knows no API and forgives nothing. */
class StrictRulesTest {
  private static final Classifier STRICT = new Classifier(DiffRules.strict());

  private static Verdict verdict(String legacy, String newer) {
    return STRICT
        .classify(
            "AnyApi",
            Side.LEGACY,
            new Observations(new Observed.Answer(json(legacy)), new Observed.Answer(json(newer))),
            Recheck.NONE)
        .verdict();
  }

  @Test
  void strict_namesNoApi() {
    assertThat(DiffRules.strict().apis()).isEmpty();
  }

  @Test
  void strict_lastDigitOfADouble_isAMismatch() {
    assertThat(verdict("{'cpu': 12.5}", "{'cpu': 12.500000000001}")).isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void strict_sameValuesInAnotherKeyOrder_match() {
    assertThat(verdict("{'a': 1, 'b': [1, 2]}", "{'b': [1, 2], 'a': 1}")).isEqualTo(Verdict.MATCH);
  }

  @Test
  void strict_arrayOrder_isAMismatch() {
    assertThat(verdict("{'b': [1, 2]}", "{'b': [2, 1]}")).isEqualTo(Verdict.MISMATCH);
  }
}
