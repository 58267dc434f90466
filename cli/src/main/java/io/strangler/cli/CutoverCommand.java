package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code strangler cutover status|advance|rollback|clear-override}: the guarded cut-over of a
 * running proxy.
 */
@Command(
    name = "cutover",
    mixinStandardHelpOptions = true,
    description =
        "Steps APIs through LEGACY_ONLY, SHADOW, NEW_PRIMARY 1%..100% and NEW_ONLY on a running proxy, only when each step's gates hold (see docs/cutover.md).",
    subcommands = {
      CutoverCommand.Status.class,
      CutoverCommand.Advance.class,
      CutoverCommand.Rollback.class,
      CutoverCommand.ClearOverride.class
    })
final class CutoverCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Prints each API's step, the next step and each of its gates with value and pass/fail.")
  static final class Status implements Callable<Integer> {
    @Mixin AdminOptions admin;

    @Mixin JsonOption output;

    @Parameters(index = "0", arity = "0..1", paramLabel = "API", description = "Only this API.")
    String api;

    @Override
    public Integer call() {
      return Cli.guard(
          () -> {
            JsonNode status = admin.client().get("/admin/cutover");
            if (output.json) {
              System.out.println(status.toPrettyString());
            } else {
              print(status, api, System.out);
            }
          });
    }
  }

  @Command(
      name = "advance",
      mixinStandardHelpOptions = true,
      description =
          "Moves an API one step up when every gate of that step holds; else names the failing gate and exits 1.")
  static final class Advance implements Callable<Integer> {
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "API", description = "The API, e.g. GetHostingMetadata.")
    String api;

    @Option(
        names = "--to",
        paramLabel = "STEP",
        description =
            "A later step of the ladder, e.g. 'NEW_PRIMARY 50%%' (default: the next one).")
    String to;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited).")
    String reason;

    @Option(
        names = "--force",
        description = "Move even though gates fail (needs --reason; audited as forced-advance).")
    boolean force;

    @Override
    public Integer call() {
      return Cli.guard(
          () -> {
            ObjectNode body = ControlApiJson.mapper().createObjectNode();
            if (to != null) {
              body.put("to", to);
            }
            if (reason != null) {
              body.put("reason", reason);
            }
            body.put("force", force);
            printMove(admin.client().post("/admin/cutover/" + api + "/advance", body), System.out);
          });
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Moves an API one step down the ladder.")
  static final class Rollback implements Callable<Integer> {
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "API")
    String api;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited).")
    String reason;

    @Override
    public Integer call() {
      return Cli.guard(
          () -> {
            ObjectNode body = ControlApiJson.mapper().createObjectNode();
            if (reason != null) {
              body.put("reason", reason);
            }
            printMove(admin.client().post("/admin/cutover/" + api + "/rollback", body), System.out);
          });
    }
  }

  @Command(
      name = "clear-override",
      mixinStandardHelpOptions = true,
      description =
          "Drops the proxy's override of an API (held over Unleash after a rollback): Unleash decides again.")
  static final class ClearOverride implements Callable<Integer> {
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "API")
    String api;

    @Override
    public Integer call() {
      return Cli.guard(
          () ->
              printMove(
                  admin
                      .client()
                      .post(
                          "/admin/cutover/" + api + "/clear-override",
                          ControlApiJson.mapper().createObjectNode()),
                  System.out));
    }
  }

  static void printMove(JsonNode e, PrintStream out) {
    out.printf(
        "%s: %s -> %s (%s, via %s, by %s)%n",
        e.path("api").asText(),
        e.path("from").asText(),
        e.path("to").asText(),
        e.path("action").asText(),
        e.path("via").asText(),
        e.path("who").asText());
  }

  static void print(JsonNode status, String only, PrintStream out) {
    int steps = status.path("ladder").size();
    for (JsonNode a : status.path("apis")) {
      if (only != null && !only.equals(a.path("api").asText())) {
        continue;
      }
      int position = a.path("position").asInt(-1);
      out.printf(
          "%-22s %-16s %-10s next: %-16s %s%n",
          a.path("api").asText(),
          a.path("current").asText(),
          position < 0 ? "(off ladder)" : "(" + (position + 1) + "/" + steps + ")",
          a.path("next").isNull() ? "-" : a.path("next").asText(),
          a.path("next").isNull() ? "" : a.path("ready").asBoolean() ? "READY" : "NOT READY");
      if (!a.path("override").isNull() && !a.path("override").isMissingNode()) {
        out.printf(
            "    override: %s (by %s: %s)%n",
            a.path("override").path("setting").path("mode").asText()
                + " "
                + a.path("override").path("setting").path("rolloutPercent").asText()
                + "%",
            a.path("override").path("who").asText(),
            a.path("override").path("reason").asText());
      }
      if (a.hasNonNull("breach")) {
        out.printf(
            "    rollback threshold crossed (%d checks in a row): %s%n",
            a.path("breachStreak").asInt(), a.path("breach").asText());
      }
      if (a.hasNonNull("rollbackHeld")) {
        JsonNode h = a.path("rollbackHeld");
        out.printf(
            "    automatic rollback HELD since %s: %s%n",
            h.path("at").asText(), h.path("why").asText());
      }
      if (a.hasNonNull("lastRollback")) {
        JsonNode r = a.path("lastRollback");
        out.printf(
            "    last rollback %s: %s -> %s by %s: %s%n",
            r.path("at").asText(),
            r.path("from").asText(),
            r.path("to").asText(),
            r.path("who").asText(),
            r.path("why").asText());
      }
      for (JsonNode g : a.path("gates")) {
        out.printf(
            "    %-16s %-34s needs %-28s %s%n",
            g.path("name").asText(),
            g.path("value").asText(),
            g.path("threshold").asText(),
            g.path("passed").asBoolean() ? "pass" : "FAIL");
      }
    }
  }
}
