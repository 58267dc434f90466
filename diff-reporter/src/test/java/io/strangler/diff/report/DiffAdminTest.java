package io.strangler.diff.report;

import static io.strangler.diff.report.TestCalls.match;
import static io.strangler.diff.report.TestCalls.mismatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.Verdict;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DiffAdminTest {
  private final DiffPipeline pipeline =
      DiffPipeline.builder(DiffConfig.defaults())
          .modes(() -> Map.of("GetRepl", "NEW_PRIMARY"))
          .build();
  private final DiffAdmin admin = pipeline.admin();

  @AfterEach
  void close() {
    pipeline.close();
  }

  @Test
  void readinessAndDiff_asJson_withTheCurrentMode() {
    pipeline.offer(match("GetRepl", "a"));
    pipeline.offer(mismatch("ListMachines", "b"));
    await()
        .until(() -> pipeline.processed(Verdict.MISMATCH) + pipeline.processed(Verdict.MATCH) == 2);

    JsonNode readiness = admin.readiness();
    assertThat(readiness.get("apis")).hasSize(2);
    JsonNode getRepl = readiness.get("apis").get(0);
    assertThat(getRepl.get("api").asText()).isEqualTo("GetRepl");
    assertThat(getRepl.get("mode").asText()).isEqualTo("NEW_PRIMARY");
    assertThat(getRepl.get("status").asText()).isEqualTo("NOT_READY");
    assertThat(getRepl.get("consistencyPercent").asDouble()).isEqualTo(100.0);
    assertThat(getRepl.get("new").get("calls").asLong()).isEqualTo(1);
    assertThat(getRepl.get("thresholdPercent").decimalValue()).isEqualByComparingTo("99.99");
    assertThat(readiness.get("apis").get(1).get("mode").isNull())
        .as("the flags do not know ListMachines")
        .isTrue();

    JsonNode diff = admin.diff();
    assertThat(diff.get("processed").get("match").asLong()).isEqualTo(1);
    assertThat(diff.get("processed").get("mismatch").asLong()).isEqualTo(1);
    assertThat(diff.get("queueCapacity").asInt()).isEqualTo(10_000);
  }

  @Test
  void mismatches_storeDisabled_emptyList_limitStillChecked() {
    assertThat(admin.mismatches(Optional.empty(), 10).get("mismatches")).isEmpty();
    assertThat(admin.mismatch(1)).isEmpty();
    assertThatThrownBy(() -> admin.mismatches(Optional.empty(), 1_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be between 1 and 1000, got 1001");
  }
}
