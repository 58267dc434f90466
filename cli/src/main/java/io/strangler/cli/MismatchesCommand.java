package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strangler mismatches}: the stored samples of calls whose two answers differed. */
@Command(
    name = "mismatches",
    mixinStandardHelpOptions = true,
    description =
        "Prints recent mismatch samples of a running proxy: the request, the field differences and a unified diff of the two answers.")
final class MismatchesCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;

  @Option(names = "--api", description = "Only this API, e.g. GetHostingMetadata.")
  String api;

  @Option(
      names = "--limit",
      defaultValue = "10",
      description = "At most this many, newest first (default ${DEFAULT-VALUE}, max 1000).")
  int limit;

  @Option(names = "--id", description = "One sample by its id.")
  Long id;

  @Mixin JsonOption output;

  @Override
  public Integer call() {
    return Cli.guard(
        () -> {
          AdminClient client = admin.client();
          if (id != null) {
            JsonNode sample = client.get("/admin/mismatches/" + id);
            System.out.println(output.json ? sample.toPrettyString() : render(sample));
            return;
          }
          String path =
              "/admin/mismatches?limit="
                  + limit
                  + (api == null ? "" : "&api=" + URLEncoder.encode(api, StandardCharsets.UTF_8));
          JsonNode body = client.get(path);
          if (output.json) {
            System.out.println(body.toPrettyString());
            return;
          }
          JsonNode samples = body.path("mismatches");
          if (samples.isEmpty()) {
            System.out.println("no mismatch samples" + (api == null ? "" : " for " + api));
            return;
          }
          for (JsonNode sample : samples) {
            System.out.println(render(sample));
          }
        });
  }

  static String render(JsonNode s) {
    StringBuilder b = new StringBuilder();
    b.append("#")
        .append(s.path("id").asText())
        .append("  ")
        .append(s.path("api").asText())
        .append("  ")
        .append(s.path("verdict").asText())
        .append("  ")
        .append(s.path("mode").asText())
        .append("  ")
        .append(s.path("at").asText())
        .append("  request ")
        .append(s.path("requestId").asText())
        .append('\n');
    b.append("  request: ").append(s.path("request").toString()).append('\n');
    for (JsonNode d : s.path("diffs")) {
      b.append("  ")
          .append(d.path("path").asText())
          .append(": legacy=")
          .append(d.has("legacy") ? d.get("legacy").toString() : "(absent)")
          .append(" new=")
          .append(d.has("new") ? d.get("new").toString() : "(absent)")
          .append('\n');
    }
    String unified = s.path("unifiedDiff").asText("");
    if (!unified.isEmpty()) {
      unified.lines().forEach(l -> b.append("  | ").append(l).append('\n'));
    }
    return b.toString();
  }
}
