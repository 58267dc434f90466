package io.strangler.diff.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The diff reporter's admin outputs as JSON, for the admin port to serve: {@code GET
 * /admin/mismatches?api=&limit=}, {@code GET /admin/mismatches/{id}}, {@code GET /admin/readiness},
 * {@code GET /admin/diff}. Plain values, no HTTP. The sample queries go to the database: call them
 * off any event loop. Obtained from {@link DiffPipeline#admin()}.
 */
public final class DiffAdmin {
  /** The {@code limit} of {@link #mismatches} when the request gives none. */
  public static final int DEFAULT_LIMIT = 50;

  /** The largest {@code limit} of {@link #mismatches}. */
  public static final int MAX_LIMIT = MismatchStore.MAX_LIMIT;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private final DiffPipeline pipeline;
  private final Readiness readiness;
  private final SampleStore samples;
  private final Supplier<Map<String, String>> modes;

  DiffAdmin(
      DiffPipeline pipeline,
      Readiness readiness,
      SampleStore samples,
      Supplier<Map<String, String>> modes) {
    this.pipeline = pipeline;
    this.readiness = readiness;
    this.samples = samples;
    this.modes = modes;
  }

  /**
   * {@code {"mismatches": [sample, ...]}}, newest first, of one API or all.
   *
   * @throws IllegalArgumentException if {@code limit} is not within 1..1000 (a 400)
   */
  public JsonNode mismatches(Optional<String> api, int limit) {
    Objects.requireNonNull(api, "api");
    if (limit < 1 || limit > MismatchStore.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MismatchStore.MAX_LIMIT + ", got " + limit);
    }
    List<MismatchSample> recent = samples.recent(api, limit);
    ObjectNode out = JSON.createObjectNode();
    ArrayNode list = out.putArray("mismatches");
    recent.forEach(s -> list.add(sample(s)));
    return out;
  }

  /** One sample, or empty (a 404). */
  public Optional<JsonNode> mismatch(long id) {
    return samples.byId(id).map(DiffAdmin::sample);
  }

  /**
   * {@code {"apis": [ApiReadiness + "mode", ...]}}: every API configured or seen, by name, with its
   * current mode when the flags know it.
   */
  public JsonNode readiness() {
    return readiness(readiness.all());
  }

  /**
   * {@code {"apis": [ApiReadiness + "mode", ...]}} of {@code values} (another view's, such as the
   * fleet's), with each API's current mode when the flags know it.
   */
  public ObjectNode readiness(List<ApiReadiness> values) {
    Map<String, String> current = currentModes();
    ObjectNode out = JSON.createObjectNode();
    ArrayNode list = out.putArray("apis");
    for (ApiReadiness r : values) {
      ObjectNode api = JSON.valueToTree(r);
      api.put("mode", current.get(r.api()));
      list.add(api);
    }
    return out;
  }

  /** The pipeline's {@link DiffStats}: queue, drops by reason, counts by verdict, samples. */
  public JsonNode diff() {
    return JSON.valueToTree(pipeline.stats());
  }

  /** The typed form of {@link #readiness()}, without modes. */
  public List<ApiReadiness> readinessValues() {
    return readiness.all();
  }

  private Map<String, String> currentModes() {
    try {
      return Objects.requireNonNullElse(modes.get(), Map.of());
    } catch (RuntimeException e) {
      return Map.of();
    }
  }

  private static JsonNode sample(MismatchSample s) {
    return JSON.valueToTree(s);
  }
}
