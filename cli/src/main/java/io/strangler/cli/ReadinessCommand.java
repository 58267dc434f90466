package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strangler readiness}: per API, whether it is ready to cut over. */
@Command(
    name = "readiness",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the cut-over readiness of each API of a running proxy.",
      "",
      "Prints cut-over readiness per API of a running proxy: calls compared over the window,",
      "consistency %, p50/p99 per backend, error rates, and READY when enough calls were compared",
      "and consistency is at or above the threshold. Exit code 0 when every API listed is READY.",
      "Behind a load balancer the figures are the fleet's (every instance's counters summed); --instance",
      "shows one instance's, --local the answering instance's own window."
    })
final class ReadinessCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;

  @Option(names = "--api", description = "Only this API.")
  String api;

  @Option(
      names = "--instance",
      paramLabel = "ID",
      description = "Only what this instance compared (its id, e.g. host:port).")
  String instance;

  @Option(names = "--local", description = "The answering instance's own window, not the fleet's.")
  boolean local;

  @Mixin JsonOption output;

  @Override
  public Integer call() {
    int[] notReady = {0};
    int code =
        Cli.guard(
            () -> {
              if (instance != null && local) {
                throw new CliException("--instance and --local each pick one view: give one");
              }
              String query =
                  instance != null
                      ? "?instance="
                          + java.net.URLEncoder.encode(
                              instance, java.nio.charset.StandardCharsets.UTF_8)
                      : local ? "?scope=local" : "";
              JsonNode body = admin.client().get("/admin/readiness" + query);
              if (output.json) {
                System.out.println(body.toPrettyString());
              }
              JsonNode apis = body.path("apis");
              if (!output.json) {
                System.out.println(scope(body));
                System.out.printf(
                    "%-20s %-10s %10s %12s %20s %20s %9s%n",
                    "API",
                    "STATUS",
                    "COMPARED",
                    "CONSISTENT",
                    "LEGACY p50/p99 ms",
                    "NEW p50/p99 ms",
                    "ERR% L/N");
              }
              for (JsonNode a : apis) {
                if (api != null && !api.equals(a.path("api").asText())) {
                  continue;
                }
                boolean ready = "READY".equals(a.path("status").asText());
                if (!ready) {
                  notReady[0]++;
                }
                if (!output.json) {
                  System.out.printf(
                      "%-20s %-10s %10s %11s%% %20s %20s %9s%n",
                      a.path("api").asText(),
                      a.path("status").asText(),
                      a.path("compared").asText(),
                      a.path("consistencyPercent").asText("-"),
                      latency(a.path("legacy")),
                      latency(a.path("new")),
                      a.path("legacy").path("errorRatePercent").asText("-")
                          + "/"
                          + a.path("new").path("errorRatePercent").asText("-"));
                }
              }
            });
    return code != 0 ? code : (notReady[0] == 0 ? 0 : 3);
  }

  /** Whose figures these are, in words. */
  static String scope(JsonNode body) {
    return switch (body.path("scope").asText("local")) {
      case "fleet" ->
          "fleet: "
              + body.path("liveInstances").asInt()
              + " live instance(s), counters summed (answered by "
              + body.path("instance").asText()
              + ")";
      case "instance" -> "instance " + body.path("instance").asText() + " alone";
      default ->
          body.has("instance")
              ? "instance " + body.path("instance").asText() + ", its own window"
              : "this instance's own window";
    };
  }

  private static String latency(JsonNode side) {
    return side.path("p50Ms").asText("-") + " / " + side.path("p99Ms").asText("-");
  }
}
