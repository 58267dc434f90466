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
      "and consistency is at or above the threshold. Exit code 0 when every API listed is READY."
    })
final class ReadinessCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;

  @Option(names = "--api", description = "Only this API.")
  String api;

  @Mixin JsonOption output;

  @Override
  public Integer call() {
    int[] notReady = {0};
    int code = Cli.guard(() -> {
      JsonNode body = admin.client().get("/admin/readiness");
      if (output.json) {
        System.out.println(body.toPrettyString());
      }
      JsonNode apis = body.path("apis");
      if (!output.json) {
        System.out.printf("%-20s %-10s %10s %12s %20s %20s %9s%n", "API", "STATUS", "COMPARED", "CONSISTENT", "LEGACY p50/p99 ms", "NEW p50/p99 ms", "ERR% L/N");
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
          System.out.printf("%-20s %-10s %10s %11s%% %20s %20s %9s%n",
              a.path("api").asText(), a.path("status").asText(), a.path("compared").asText(),
              a.path("consistencyPercent").asText("-"),
              latency(a.path("legacy")), latency(a.path("new")),
              a.path("legacy").path("errorRatePercent").asText("-") + "/" + a.path("new").path("errorRatePercent").asText("-"));
        }
      }
    });
    return code != 0 ? code : (notReady[0] == 0 ? 0 : 3);
  }

  private static String latency(JsonNode side) {
    return side.path("p50Ms").asText("-") + " / " + side.path("p99Ms").asText("-");
  }
}
