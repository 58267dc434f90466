package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.Operation;
import io.strangler.diff.Classification;
import io.strangler.diff.Verdict;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays one stored mismatch sample ({@code GET /admin/mismatches/{id}}) against the stores as
 * they are now, and says whether the two backends still differ on it. In process the two answers
 * are compared here; through a proxy the proxy compares, and its verdict is read back from its
 * metrics and, for a call that still differs, from the sample it stores.
 *
 * <p>The call goes out under a new request id ({@code replay-<millis>-<id>}), stamped now. Reads
 * are harmless; a write changes both stores, so it is only replayed when asked to.
 */
public final class MismatchReplay {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  public enum Status {
    /** The backends agree now. */
    RESOLVED,
    /** They still disagree. */
    STILL_DIFFERS,
    /**
     * The replay could not tell (nothing compared, or other traffic blurred the proxy's counts).
     */
    UNKNOWN
  }

  public record Result(Status status, ObjectNode json) {}

  /** A write replayed without {@code --allow-writes}. */
  public static final class WriteRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WriteRefused(String message) {
      super(message);
    }
  }

  private final ProxyAdmin admin;
  private final Target target;
  private final boolean allowWrites;
  private final Clock clock;

  public MismatchReplay(ProxyAdmin admin, Target target, boolean allowWrites, Clock clock) {
    this.admin = admin;
    this.target = target;
    this.allowWrites = allowWrites;
    this.clock = clock;
  }

  public Result replay(long id) {
    JsonNode sample =
        admin
            .get("admin/mismatches/" + id)
            .orElseThrow(
                () -> new ReplayException("no mismatch sample " + id + " at " + admin.base()));
    String api = sample.path("api").asText();
    Operation<?> op =
        Operation.byName(api)
            .orElseThrow(
                () ->
                    new ReplayException("mismatch " + id + " is of an unknown API '" + api + "'"));
    if (op.isWrite() && !allowWrites) {
      throw new WriteRefused(
          "mismatch "
              + id
              + " is a "
              + api
              + ", a write: replaying it changes both stores; pass --allow-writes to replay it anyway");
    }
    String requestId = "replay-" + clock.millis() + "-" + id;
    TrafficCall call =
        new TrafficCall(
            null,
            api,
            requestId,
            sample.path("mode").asText(null),
            sample.path("request"),
            null,
            "mismatch " + id);
    ObjectNode out = JSON.createObjectNode();
    out.put("mismatch", id);
    out.put("api", api);
    out.set("request", sample.path("request"));
    ObjectNode stored = out.putObject("stored");
    stored.put("verdict", sample.path("verdict").asText());
    stored.put("at", sample.path("at").asText());
    stored.put("mode", sample.path("mode").asText());
    stored.put("requestId", sample.path("requestId").asText());
    stored.set("diffs", sample.path("diffs"));
    ObjectNode replayed = out.putObject("replayed");
    replayed.put("target", target.describe());
    replayed.put("requestId", requestId);
    Verdict verdict;
    if (target instanceof InProcessTarget) {
      CallResult r = target.call(ReadyCall.of(call));
      replayed.put("answer", r.answer().label());
      verdict = r.compared() == null ? null : r.compared().classification().verdict();
      if (r.compared() != null) {
        Classification c = r.compared().classification();
        replayed.set("diffs", JSON.valueToTree(c.diffs()));
        replayed.put("unifiedDiff", c.unifiedDiff());
      }
    } else {
      verdict = throughProxy(call, api, replayed);
    }
    replayed.put("verdict", verdict == null ? null : verdict.name());
    Status status =
        verdict == null || verdict == Verdict.SHADOW_DROPPED || verdict == Verdict.SHADOW_TIMEOUT
            ? Status.UNKNOWN
            : Tally.consistent(verdict) ? Status.RESOLVED : Status.STILL_DIFFERS;
    out.put("status", status.name());
    if (status == Status.UNKNOWN) {
      out.putNull("stillDiffers");
    } else {
      out.put("stillDiffers", status == Status.STILL_DIFFERS);
    }
    return new Result(status, out);
  }

  private Verdict throughProxy(TrafficCall call, String api, ObjectNode replayed) {
    PromText before = admin.metrics();
    CallResult r = target.call(ReadyCall.of(call));
    replayed.put("answer", r.answer().label());
    admin.awaitSettled(Duration.ofSeconds(10));
    Map<String, Long> counted =
        ProxyDiff.between(before, admin.metrics()).verdicts().getOrDefault(api, Map.of());
    long total = counted.values().stream().mapToLong(Long::longValue).sum();
    Verdict verdict = null;
    if (total == 1) {
      verdict = Verdict.valueOf(counted.keySet().iterator().next().toUpperCase(Locale.ROOT));
    }
    boolean inconsistent = verdict != null && !Tally.consistent(verdict);
    if (verdict == null || inconsistent) {
      // The sample is written after the verdict, off the proxy's path: give it a moment.
      Optional<JsonNode> sample =
          findSample(api, call.requestId(), inconsistent ? Duration.ofSeconds(5) : Duration.ZERO);
      if (sample.isPresent()) {
        verdict = Verdict.valueOf(sample.get().path("verdict").asText());
        replayed.set("diffs", sample.get().path("diffs"));
        replayed.put("unifiedDiff", sample.get().path("unifiedDiff").asText());
        replayed.put("sample", sample.get().path("id").asLong());
      } else if (verdict == null && total > 1) {
        replayed.put(
            "note",
            "other calls of "
                + api
                + " reached the proxy meanwhile, and no sample names this one: it likely matched");
      }
    }
    return verdict;
  }

  private Optional<JsonNode> findSample(String api, String requestId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    do {
      JsonNode list =
          admin
              .get(
                  "admin/mismatches?api="
                      + URLEncoder.encode(api, StandardCharsets.UTF_8)
                      + "&limit=100")
              .orElse(JSON.createObjectNode());
      for (JsonNode s : list.path("mismatches")) {
        if (requestId.equals(s.path("requestId").asText())) {
          return Optional.of(s);
        }
      }
      // Polling another process's store: nothing to wait on but time.
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    } while (System.nanoTime() < deadline);
    return Optional.empty();
  }

  public static String text(JsonNode r) {
    StringBuilder b = new StringBuilder();
    JsonNode stored = r.path("stored");
    JsonNode replayed = r.path("replayed");
    b.append(
        String.format(
            Locale.ROOT,
            "mismatch %d: %s %s%n",
            r.path("mismatch").asLong(),
            r.path("api").asText(),
            r.path("request")));
    b.append(
        String.format(
            Locale.ROOT,
            "  stored     %s at %s (%s, request %s)%n",
            stored.path("verdict").asText(),
            stored.path("at").asText(),
            stored.path("mode").asText(),
            stored.path("requestId").asText()));
    for (JsonNode d : stored.path("diffs")) {
      b.append("             ").append(diff(d)).append('\n');
    }
    b.append(
        String.format(
            Locale.ROOT,
            "  replayed   %s against %s as %s: answer %s%n",
            replayed.path("verdict").asText("?"),
            replayed.path("target").asText(),
            replayed.path("requestId").asText(),
            replayed.path("answer").asText()));
    ArrayNode diffs =
        replayed.has("diffs") && replayed.get("diffs").isArray()
            ? (ArrayNode) replayed.get("diffs")
            : JSON.createArrayNode();
    for (JsonNode d : diffs) {
      b.append("             ").append(diff(d)).append('\n');
    }
    if (replayed.hasNonNull("note")) {
      b.append("  note       ").append(replayed.get("note").asText()).append('\n');
    }
    String status =
        switch (r.path("status").asText()) {
          case "RESOLVED" -> "no longer differs";
          case "STILL_DIFFERS" -> "STILL DIFFERS";
          default -> "cannot tell";
        };
    b.append("\n").append(status).append('\n');
    if (replayed.hasNonNull("unifiedDiff") && !replayed.get("unifiedDiff").asText().isEmpty()) {
      b.append('\n').append(replayed.get("unifiedDiff").asText()).append('\n');
    }
    return b.toString();
  }

  private static String diff(JsonNode d) {
    String path = d.path("path").asText();
    return (path.isEmpty() ? "(document)" : path)
        + ": legacy "
        + (d.has("legacy") ? d.get("legacy").toString() : "(absent)")
        + ", new "
        + (d.has("new") ? d.get("new").toString() : "(absent)");
  }
}
