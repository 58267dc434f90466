package io.strangler.diff;

import static io.strangler.diff.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClassifierTest {
  private static final Classifier CLASSIFIER = new Classifier(ControlApiRules.RULES);

  private static final String REPL =
      """
      {'replId': 'r-1', 'ownerId': 'u-1', 'slug': 'my-app', 'region': 'us', 'cluster': 'us-1',
       'pendingTransferTo': null, 'createdAt': '2026-11-21T07:00:00.123Z'}\
      """;
  private static final String REPL_REORDERED =
      """
      {'createdAt': '2026-11-21T07:00:00.123Z', 'pendingTransferTo': null, 'cluster': 'us-1',
       'region': 'us', 'slug': 'my-app', 'ownerId': 'u-1', 'replId': 'r-1'}\
      """;
  private static final String REPL_ELSEWHERE = REPL.replace("'us-1'", "'us-2'");

  private static Observed answer(String json) {
    return new Observed.Answer(json(json));
  }

  private static Observations pair(Observed legacy, Observed newer) {
    return new Observations(legacy, newer);
  }

  /** A recheck that must not be called. */
  private static final Recheck NEVER =
      () -> {
        throw new AssertionError("recheck must not be called");
      };

  private static Classification classify(
      String api, Side authoritative, Observed legacy, Observed newer) {
    return CLASSIFIER.classify(api, authoritative, pair(legacy, newer), NEVER);
  }

  @Test
  void classify_identicalAnswersInAnotherFieldOrder_match() {
    Classification c = classify("GetRepl", Side.LEGACY, answer(REPL), answer(REPL_REORDERED));

    assertThat(c.verdict()).isEqualTo(Verdict.MATCH);
    assertThat(c.diffs()).isEmpty();
    assertThat(c.canonicalLegacy()).isEqualTo(c.canonicalNew());
    assertThat(c.unifiedDiff()).isEmpty();
  }

  /** An answer carrying its JSON text, whose tree is counted each time it is made. */
  private static Observed written(String json, AtomicInteger trees) {
    JsonNode tree = json(json);
    return Observed.Answer.ofJson(
        tree.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        () -> {
          trees.incrementAndGet();
          return tree;
        });
  }

  @Test
  void classify_sameJsonText_matchWithoutBuildingATree() {
    AtomicInteger trees = new AtomicInteger();

    Classification c = classify("GetRepl", Side.LEGACY, written(REPL, trees), written(REPL, trees));

    assertThat(c.verdict()).isEqualTo(Verdict.MATCH);
    assertThat(c.diffs()).isEmpty();
    assertThat(c.unifiedDiff()).isEmpty();
    assertThat(trees).hasValue(0);
    // Read on demand: the canonical document is that of the answer.
    assertThat(c.canonicalLegacy()).isEqualTo(c.canonicalNew());
    assertThat(c.canonicalNew().get("cluster").asText()).isEqualTo("us-1");
    assertThat(trees).hasValue(1);
  }

  @Test
  void classify_otherJsonTextOfTheSameDocument_comparesTreesAndMatches() {
    AtomicInteger trees = new AtomicInteger();

    Classification c =
        classify("GetRepl", Side.NEW, written(REPL, trees), written(REPL_REORDERED, trees));

    assertThat(c.verdict()).isEqualTo(Verdict.MATCH);
    assertThat(trees).hasValue(2);
  }

  @Test
  void classify_differentJsonText_isStillADifference() {
    AtomicInteger trees = new AtomicInteger();
    AtomicInteger rechecks = new AtomicInteger();

    Classification c =
        CLASSIFIER.classify(
            "GetRepl",
            Side.LEGACY,
            pair(written(REPL, trees), written(REPL_ELSEWHERE, trees)),
            () -> {
              rechecks.incrementAndGet();
              return Optional.of(pair(written(REPL, trees), written(REPL, trees)));
            });

    assertThat(c.verdict()).isEqualTo(Verdict.RACE);
    assertThat(c.diffs()).isNotEmpty();
    assertThat(rechecks).hasValue(1);
  }

  @Test
  void classify_listMachinesInAnotherOrderWithOneVersusOnePointZero_match() {
    String legacy =
        """
        {'machines': [
          {'machineId': 'm-1', 'cluster': 'us-1', 'address': '10.0.0.1', 'capacity': 8, 'state': 'ACTIVE',
           'cpuPercent': 0.0, 'runningContainers': 2, 'registeredAt': '2026-11-21T07:00:00Z',
           'lastHeartbeatAt': '2026-11-21T07:00:05Z'},
          {'machineId': 'm-2', 'cluster': 'us-1', 'address': '10.0.0.2', 'capacity': 8, 'state': 'DRAINING',
           'cpuPercent': 37.5, 'runningContainers': 0, 'registeredAt': '2026-11-21T07:00:00Z',
           'lastHeartbeatAt': '2026-11-21T07:00:05Z'}]}\
        """;
    String newer =
        """
        {'machines': [
          {'lastHeartbeatAt': '2026-11-21T07:00:05Z', 'registeredAt': '2026-11-21T07:00:00Z',
           'runningContainers': 0, 'cpuPercent': 37.5, 'state': 'DRAINING', 'capacity': 8.0,
           'address': '10.0.0.2', 'cluster': 'us-1', 'machineId': 'm-2'},
          {'machineId': 'm-1', 'cluster': 'us-1', 'address': '10.0.0.1', 'capacity': 8, 'state': 'ACTIVE',
           'cpuPercent': 0, 'runningContainers': 2, 'registeredAt': '2026-11-21T07:00:00Z',
           'lastHeartbeatAt': '2026-11-21T07:00:05Z'}]}\
        """;

    assertThat(classify("ListMachines", Side.LEGACY, answer(legacy), answer(newer)).verdict())
        .isEqualTo(Verdict.MATCH);
  }

  @Test
  void classify_differentAnswersWithoutRecheck_mismatchWithDiffs() {
    Classification c =
        CLASSIFIER.classify(
            "GetRepl", Side.LEGACY, pair(answer(REPL), answer(REPL_ELSEWHERE)), Recheck.NONE);

    assertThat(c.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(c.diffs())
        .containsExactly(new FieldDiff("/cluster", "/cluster", json("'us-1'"), json("'us-2'")));
  }

  @Test
  void classify_mismatchThatAgreesOnRecheck_isRace() {
    AtomicInteger rechecks = new AtomicInteger();
    Recheck agreeNow =
        () -> {
          rechecks.incrementAndGet();
          return Optional.of(pair(answer(REPL_ELSEWHERE), answer(REPL_ELSEWHERE)));
        };

    Classification c =
        CLASSIFIER.classify(
            "GetRepl", Side.LEGACY, pair(answer(REPL), answer(REPL_ELSEWHERE)), agreeNow);

    assertThat(c.verdict()).isEqualTo(Verdict.RACE);
    assertThat(rechecks).hasValue(1);
    // What raced stays visible: the first read's difference.
    assertThat(c.diffs()).extracting(FieldDiff::path).containsExactly("/cluster");
    assertThat(c.canonicalLegacy().get("cluster").asText()).isEqualTo("us-1");
  }

  @Test
  void classify_raceCompareUsesTheApiRules() {
    String machines1 = "{'machines': [{'machineId': 'm-1', 'capacity': 1}, {'machineId': 'm-2'}]}";
    String machines2 =
        "{'machines': [{'machineId': 'm-2'}, {'machineId': 'm-1', 'capacity': 1.0}]}";
    Recheck agreeInAnotherOrder = () -> Optional.of(pair(answer(machines1), answer(machines2)));

    Classification c =
        CLASSIFIER.classify(
            "ListMachines",
            Side.LEGACY,
            pair(answer(machines1), answer("{'machines': []}")),
            agreeInAnotherOrder);

    assertThat(c.verdict()).isEqualTo(Verdict.RACE);
  }

  @Test
  void classify_mismatchThatStillDiffersOnRecheck_isMismatch() {
    Recheck stillDifferent = () -> Optional.of(pair(answer(REPL), answer(REPL_ELSEWHERE)));

    assertThat(
            CLASSIFIER
                .classify(
                    "GetRepl",
                    Side.LEGACY,
                    pair(answer(REPL), answer(REPL_ELSEWHERE)),
                    stillDifferent)
                .verdict())
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void classify_recheckThatFailsOnOneSide_isMismatch() {
    Recheck failing =
        () -> Optional.of(pair(answer(REPL), new Observed.Failure("UNAVAILABLE", "down")));

    assertThat(
            CLASSIFIER
                .classify(
                    "GetRepl", Side.LEGACY, pair(answer(REPL), answer(REPL_ELSEWHERE)), failing)
                .verdict())
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void classify_matchingAnswers_neverRecheck() {
    // NEVER throws when called: a match must not cost a second read.
    assertThat(classify("GetRepl", Side.LEGACY, answer(REPL), answer(REPL)).verdict())
        .isEqualTo(Verdict.MATCH);
  }

  @Test
  void classify_authoritativeFailsShadowAnswers_authoritativeError() {
    Observed notFound = new Observed.Failure("NOT_FOUND", "repl r-1 not found");

    assertThat(classify("GetRepl", Side.LEGACY, notFound, answer(REPL)).verdict())
        .isEqualTo(Verdict.AUTHORITATIVE_ERROR);
    // In NEW_PRIMARY the new backend is authoritative: the same pair reads the other way round.
    assertThat(classify("GetRepl", Side.NEW, notFound, answer(REPL)).verdict())
        .isEqualTo(Verdict.SHADOW_ERROR);
    assertThat(classify("GetRepl", Side.NEW, answer(REPL), notFound).verdict())
        .isEqualTo(Verdict.AUTHORITATIVE_ERROR);
  }

  @Test
  void classify_authoritativeTimesOutShadowAnswers_authoritativeError() {
    Classification c = classify("GetRepl", Side.LEGACY, new Observed.TimedOut(), answer(REPL));

    assertThat(c.verdict()).isEqualTo(Verdict.AUTHORITATIVE_ERROR);
    assertThat(c.canonicalLegacy().isMissingNode()).isTrue();
    assertThat(c.diffs()).isEmpty();
  }

  @Test
  void classify_authoritativeAnswersShadowFails_shadowError() {
    Classification c =
        classify("GetRepl", Side.LEGACY, answer(REPL), new Observed.Failure("INTERNAL", "boom"));

    assertThat(c.verdict()).isEqualTo(Verdict.SHADOW_ERROR);
    assertThat(c.canonicalNew()).isEqualTo(json("{'code': 'INTERNAL'}"));
  }

  @Test
  void classify_bothFailWithSameCodeDifferentMessage_bothErrorSameByDefault() {
    Classification c =
        classify(
            "GetRepl",
            Side.LEGACY,
            new Observed.Failure("NOT_FOUND", "repl r-1 not found"),
            new Observed.Failure("NOT_FOUND", "no repl r-1"));

    assertThat(c.verdict()).isEqualTo(Verdict.BOTH_ERROR_SAME);
    assertThat(c.diffs()).isEmpty();
    assertThat(c.canonicalLegacy()).isEqualTo(json("{'code': 'NOT_FOUND'}"));
  }

  @Test
  void classify_bothFailWithDifferentCodes_bothErrorDifferentWithCodeDiff() {
    Classification c =
        classify(
            "GetRepl",
            Side.LEGACY,
            new Observed.Failure("NOT_FOUND", "repl r-1 not found"),
            new Observed.Failure("UNAVAILABLE", "store down"));

    assertThat(c.verdict()).isEqualTo(Verdict.BOTH_ERROR_DIFFERENT);
    assertThat(c.diffs())
        .containsExactly(
            new FieldDiff("/code", "/code", json("'NOT_FOUND'"), json("'UNAVAILABLE'")));
  }

  @Test
  void classify_messagesCompared_whenTheRulesSaySo() {
    Classifier strict =
        new Classifier(
            TestJson.yaml("version: 1\napis:\n  GetRepl:\n    errors: {compareMessage: true}\n"));
    Observed legacy = new Observed.Failure("NOT_FOUND", "repl r-1 not found");

    Classification different =
        strict.classify(
            "GetRepl",
            Side.LEGACY,
            pair(legacy, new Observed.Failure("NOT_FOUND", "no repl r-1")),
            NEVER);
    Classification same =
        strict.classify(
            "GetRepl",
            Side.LEGACY,
            pair(legacy, new Observed.Failure("NOT_FOUND", "repl r-1 not found")),
            NEVER);

    assertThat(different.verdict()).isEqualTo(Verdict.BOTH_ERROR_DIFFERENT);
    assertThat(different.diffs())
        .containsExactly(
            new FieldDiff(
                "/message", "/message", json("'repl r-1 not found'"), json("'no repl r-1'")));
    assertThat(same.verdict()).isEqualTo(Verdict.BOTH_ERROR_SAME);
    assertThat(same.canonicalLegacy())
        .isEqualTo(json("{'code': 'NOT_FOUND', 'message': 'repl r-1 not found'}"));
  }

  @Test
  void classify_authoritativeTimesOutShadowFails_bothErrorDifferent() {
    Classification c =
        classify(
            "GetRepl", Side.NEW, new Observed.Failure("NOT_FOUND", "x"), new Observed.TimedOut());

    assertThat(c.verdict()).isEqualTo(Verdict.BOTH_ERROR_DIFFERENT);
    assertThat(c.diffs()).singleElement().satisfies(d -> assertThat(d.missingInNew()).isTrue());
  }

  @Test
  void classify_shadowTimesOut_shadowTimeoutWhateverTheAuthoritativeSaid() {
    for (Observed primary :
        new Observed[] {
          answer(REPL), new Observed.Failure("NOT_FOUND", "x"), new Observed.TimedOut()
        }) {
      Classification c = classify("GetRepl", Side.LEGACY, primary, new Observed.TimedOut());

      assertThat(c.verdict()).as(primary.toString()).isEqualTo(Verdict.SHADOW_TIMEOUT);
      assertThat(c.canonicalNew().isMissingNode()).isTrue();
      assertThat(c.diffs()).isEmpty();
    }
  }

  @Test
  void classify_shadowDropped_shadowDroppedWhicheverSideIsShadow() {
    assertThat(classify("GetRepl", Side.LEGACY, answer(REPL), new Observed.Dropped()).verdict())
        .isEqualTo(Verdict.SHADOW_DROPPED);
    assertThat(classify("GetRepl", Side.NEW, new Observed.Dropped(), answer(REPL)).verdict())
        .isEqualTo(Verdict.SHADOW_DROPPED);
  }

  @Test
  void classify_authoritativeDropped_isRejected() {
    assertThatThrownBy(() -> classify("GetRepl", Side.NEW, answer(REPL), new Observed.Dropped()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the authoritative side (NEW) of a GetRepl call cannot be dropped");
  }

  @Test
  void classify_diffsAreAlwaysLegacyThenNew_whateverSideIsAuthoritative() {
    Classification legacyPrimary =
        CLASSIFIER.classify(
            "GetRepl", Side.LEGACY, pair(answer(REPL), answer(REPL_ELSEWHERE)), Recheck.NONE);
    Classification newPrimary =
        CLASSIFIER.classify(
            "GetRepl", Side.NEW, pair(answer(REPL), answer(REPL_ELSEWHERE)), Recheck.NONE);

    assertThat(newPrimary.diffs()).isEqualTo(legacyPrimary.diffs());
    assertThat(newPrimary.diffs().get(0).legacyValue().asText()).isEqualTo("us-1");
  }

  @Test
  void classify_unknownApi_usesTheDefaultsSection() {
    JsonNode body = json("{'xs': [1, 2]}");
    JsonNode reversed = json("{'xs': [2, 1]}");

    assertThat(
            CLASSIFIER
                .classify(
                    "NoSuchApi",
                    Side.LEGACY,
                    pair(new Observed.Answer(body), new Observed.Answer(reversed)),
                    Recheck.NONE)
                .verdict())
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void observed_failureWithBlankCode_isRejected() {
    assertThatThrownBy(() -> new Observed.Failure(" ", "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an error code must not be blank");
  }
}
