package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.flags.Mode;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strangler flags get|set}: read and change per-API modes on a running proxy. */
@Command(
    name = "flags",
    mixinStandardHelpOptions = true,
    description =
        "Reads or changes the per-API dispatch modes of a running proxy (through its admin port).",
    subcommands = {FlagsCommand.Get.class, FlagsCommand.Set.class})
final class FlagsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Prints the effective mode of every API and where it came from.")
  static final class Get implements Callable<Integer> {
    @Mixin AdminOptions admin;

    @Mixin JsonOption output;

    @Override
    public Integer call() {
      return Cli.guard(
          () -> {
            JsonNode snapshot = admin.client().get("/admin/flags");
            if (output.json) {
              System.out.println(snapshot.toPrettyString());
            } else {
              print(snapshot, System.out);
            }
          });
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = {
        "Sets the mode of one API directly, saying which cut-over gates the move skips.",
        "",
        "The expert path beside `cutover advance`: the move is made even when gates fail (flags file",
        "source only), and the gates it skips are printed; with --strict it is refused instead."
      })
  static final class Set implements Callable<Integer> {
    @Mixin AdminOptions admin;

    @Parameters(
        index = "0",
        paramLabel = "OPERATION",
        description = "The API, e.g. GetHostingMetadata.")
    String operation;

    @Parameters(
        index = "1",
        paramLabel = "MODE",
        description = "LEGACY_ONLY, SHADOW, NEW_PRIMARY or NEW_ONLY.")
    Mode mode;

    @Option(
        names = "--rollout",
        defaultValue = "100",
        description =
            "Percent of routing keys (repls) in the mode; the rest stay one step back (default ${DEFAULT-VALUE}).")
    int rollout;

    @Option(
        names = "--strict",
        description =
            "Refuse the move (exit 3) when a cut-over gate of the target step fails or cannot be read.")
    boolean strict;

    @Override
    public Integer call() {
      int[] exit = {0};
      int guarded =
          Cli.guard(
              () -> {
                AdminClient client = admin.client();
                String step = mode.name() + (rollout == 100 ? "" : " " + rollout + "%");
                List<String> skipped;
                try {
                  JsonNode check =
                      client.get(
                          "/admin/cutover/"
                              + operation
                              + "/gates?to="
                              + URLEncoder.encode(step, StandardCharsets.UTF_8));
                  skipped = new ArrayList<>();
                  for (JsonNode g : check.path("gates")) {
                    if (!g.path("passed").asBoolean()) {
                      skipped.add(
                          g.path("name").asText()
                              + " "
                              + g.path("value").asText()
                              + " (needs "
                              + g.path("threshold").asText()
                              + ")");
                    }
                  }
                } catch (CliException e) {
                  if (strict) {
                    System.err.println(
                        "strangler: refused (--strict): cannot read the gates of "
                            + step
                            + ": "
                            + e.getMessage());
                    exit[0] = 3;
                    return;
                  }
                  System.err.println(
                      "warning: cannot read the cut-over gates of " + step + ": " + e.getMessage());
                  skipped = List.of();
                }
                if (!skipped.isEmpty()) {
                  System.err.println(
                      (strict ? "strangler: refused (--strict): " : "warning: ")
                          + operation
                          + " to "
                          + step
                          + " skips failing cut-over gates:");
                  skipped.forEach(g -> System.err.println("  " + g));
                  if (strict) {
                    exit[0] = 3;
                    return;
                  }
                }
                ObjectNode body = ControlApiJson.mapper().createObjectNode();
                body.put("mode", mode.name());
                body.put("rolloutPercent", rollout);
                JsonNode flag = admin.client().put("/admin/flags/" + operation, body);
                System.out.println(
                    operation
                        + ": "
                        + flag.path("configured").asText()
                        + " at "
                        + flag.path("rolloutPercent").asText()
                        + "%");
              });
      return guarded != 0 ? guarded : exit[0];
    }
  }

  static void print(JsonNode snapshot, PrintStream out) {
    out.printf(
        "source: %s   default: %s   kill.legacy: %s   kill.new: %s%n",
        snapshot.path("source").asText(),
        snapshot.path("defaultMode").asText(),
        snapshot.path("killLegacy").asBoolean(),
        snapshot.path("killNew").asBoolean());
    if (snapshot.hasNonNull("error")) {
      out.println(
          "ERROR (last good flags kept): " + snapshot.path("error").path("message").asText());
    }
    out.printf(
        "%-20s %-12s %8s  %-12s %-12s %s%n",
        "API", "MODE", "ROLLOUT", "IN ROLLOUT", "OUTSIDE", "SOURCE");
    for (JsonNode api : snapshot.path("apis")) {
      // An API without a flag runs in the default mode for every key: show that, not null / ?%.
      boolean flagged = api.hasNonNull("configured");
      out.printf(
          "%-20s %-12s %8s  %-12s %-12s %s%n",
          api.path("operation").asText(),
          flagged ? api.path("configured").asText() : snapshot.path("defaultMode").asText(),
          !flagged
              ? "100%"
              : api.path("rolloutPercent").isNull()
                  ? "custom"
                  : api.path("rolloutPercent").asText() + "%",
          api.path("inRollout").asText(),
          api.path("outsideRollout").asText(),
          api.path("source").asText());
    }
    if (snapshot.has("fleet")) {
      out.println();
      out.printf(
          "%-28s %8s  %-12s %-5s %s%n", "INSTANCE", "VERSION", "DIGEST", "LIVE", "APPLIES SINCE");
      for (JsonNode i : snapshot.path("fleet")) {
        boolean same = i.path("digest").asText().equals(snapshot.path("digest").asText());
        out.printf(
            "%-28s %8s  %-12s %-5s %s%s%n",
            i.path("instance").asText(),
            i.path("version").asText("-"),
            i.path("digest").asText(),
            i.path("live").asBoolean() ? "yes" : "no",
            i.path("appliedAt").asText(),
            same ? "" : "   (differs from " + snapshot.path("instance").asText() + ")");
      }
    }
  }
}
