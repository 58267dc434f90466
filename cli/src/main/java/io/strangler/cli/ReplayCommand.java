package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.traffic.replay.Durations;
import io.strangler.traffic.replay.InProcessStores;
import io.strangler.traffic.replay.MismatchReplay;
import io.strangler.traffic.replay.Pacing;
import io.strangler.traffic.replay.PromText;
import io.strangler.traffic.replay.ProxyAdmin;
import io.strangler.traffic.replay.ProxyDiff;
import io.strangler.traffic.replay.ProxyTarget;
import io.strangler.traffic.replay.ReadyCall;
import io.strangler.traffic.replay.ReplayException;
import io.strangler.traffic.replay.ReplayReport;
import io.strangler.traffic.replay.Replayer;
import io.strangler.traffic.replay.Target;
import io.strangler.traffic.replay.TrafficCall;
import io.strangler.traffic.replay.TrafficLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code strangler replay}: a traffic log sent again, to a proxy or to both backends in process.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Replays recorded traffic through a proxy or against both backends and reports consistency per API.",
      "",
      "Replays traffic logs (written by `serve --record` or `simulate --out`) against a running proxy",
      "(--target) or both backends in this process (--inprocess), at a chosen speed or rate, keeping",
      "the order of calls of one entity, and reports per API: calls, outcomes, consistency of the two",
      "backends, whether calls answered as recorded, latencies and the fields that differed most.",
      "With --mismatch ID it replays one stored mismatch and says whether it still differs."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done (and the --fail-under gate passed; or the mismatch no longer differs)",
      "1:an error: a bad log, an unreachable target or store",
      "2:bad usage",
      "3:consistency below --fail-under (or nothing compared); or the mismatch still differs"
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  strangler replay --log traffic.jsonl --inprocess --redis redis://127.0.0.1:6379/1 \\",
      "      --postgres postgresql://postgres@127.0.0.1:5432/scratch --fail-under 99.9",
      "  strangler replay --log traffic.1.jsonl traffic.jsonl --target http://127.0.0.1:8080 --speed 2x \\",
      "      --admin http://127.0.0.1:8081 --admin-token $STRANGLER_ADMIN_TOKEN",
      "  strangler replay --mismatch 17 --admin http://127.0.0.1:8081 --inprocess --redis ... --postgres ..."
    })
public final class ReplayCommand implements Callable<Integer> {
  static final int GATE_FAILED = 3;

  @Spec CommandSpec spec;

  @Option(
      names = "--log",
      arity = "1..*",
      paramLabel = "FILE",
      description = "Traffic logs to replay, merged by time (rotated files too, in any order).")
  List<Path> logs = new ArrayList<>();

  @Option(
      names = "--mismatch",
      paramLabel = "ID",
      description =
          "Replay the stored mismatch sample ID (from GET /admin/mismatches/ID; needs --admin) instead of a log.")
  Long mismatch;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Where where;

  static final class Where {
    @Option(
        names = "--target",
        paramLabel = "URL",
        required = true,
        description =
            "A running proxy, e.g. http://127.0.0.1:8080: calls are POST /v1/{Operation}; the proxy compares.")
    URI target;

    @Option(
        names = "--inprocess",
        required = true,
        description =
            "Both backends in this process (needs --redis and --postgres); each call is applied to both with its recorded request id and time, and compared here.")
    boolean inprocess;
  }

  @Option(
      names = "--redis",
      paramLabel = "URL",
      description =
          "Legacy Redis for --inprocess, redis://host:port/db. Replayed writes change it.")
  String redis;

  @Option(
      names = "--postgres",
      paramLabel = "URL",
      description =
          "Control plane PostgreSQL for --inprocess, postgresql://user@host:port/db. Replayed writes change it.")
  String postgres;

  @Option(
      names = "--topology",
      paramLabel = "FILE",
      description =
          "With --inprocess: a topology to apply to both stores (default: the legacy store's).")
  Path topology;

  @ArgGroup(exclusive = true)
  Pace pace = new Pace();

  static final class Pace {
    @Option(
        names = "--speed",
        paramLabel = "FACTOR",
        description =
            "Time-scaled from the log's timestamps: 1x as recorded, 2x twice as fast; max: as fast as --load.concurrency allows (the default).")
    String speed;

    @Option(
        names = "--rate",
        paramLabel = "N/s",
        description = "A fixed rate, e.g. 500/s, whatever the log's timing.")
    String rate;
  }

  @Option(names = "--limit", paramLabel = "N", description = "Send at most N calls.")
  Long limit;

  @Option(
      names = "--max-duration",
      paramLabel = "DURATION",
      description = "Stop scheduling calls after this long, e.g. 10m (ISO-8601 PT10M also works).")
  String maxDuration;

  @Option(
      names = "--request-id-prefix",
      paramLabel = "P",
      description =
          "Prefix every request id (replaying a log again on the same stores: container ids derive from request ids).")
  String requestIdPrefix;

  @Option(
      names = "--allow-writes",
      description = "With --mismatch: replay a write too (it changes both stores).")
  boolean allowWrites;

  @Option(
      names = "--fail-under",
      paramLabel = "PERCENT",
      description =
          "Exit 3 when the overall consistency is below PERCENT (e.g. 99.9), or nothing was compared.")
  Double failUnder;

  @Mixin LoadOptions load;

  @Mixin ProxyAdminOptions proxy;

  @Mixin ReportOptions output;

  @Override
  public Integer call() {
    try {
      return mismatch != null ? replayMismatch() : replayLogs();
    } catch (ReplayException e) {
      System.err.println("strangler replay: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("strangler replay: interrupted");
      return 130;
    }
  }

  private int replayLogs() throws InterruptedException {
    if (logs.isEmpty()) {
      throw usage("give --log FILE... (or --mismatch ID)");
    }
    checkWhere();
    Pacing pacing = pacing();
    if (failUnder != null && (failUnder < 0 || failUnder > 100)) {
      throw usage("--fail-under is a percentage 0..100, got " + failUnder);
    }
    if (failUnder != null && where.target != null && !proxy.given()) {
      throw usage(
          "--fail-under with --target needs --admin URL: the proxy compares, and its figures are read there");
    }
    Replayer.Settings settings = settings(pacing);
    List<TrafficCall> calls = TrafficLog.read(logs);
    ProxyAdmin proxyAdmin = where.target != null && proxy.given() ? proxy.open() : null;
    ReplayReport report =
        new ReplayReport(
            where.inprocess ? ReplayReport.Reproduction.EXACT : ReplayReport.Reproduction.OUTCOME);
    Replayer.Schedule schedule;
    String described;
    boolean settled = true;
    try (Target target = target()) {
      described = target.describe();
      PromText before = proxyAdmin != null ? proxyAdmin.metrics() : null;
      Iterator<TrafficCall> it = calls.iterator();
      schedule =
          new Replayer(settings)
              .run(() -> it.hasNext() ? ReadyCall.of(renamed(it.next())) : null, target, report);
      if (proxyAdmin != null) {
        settled = proxyAdmin.awaitSettled(Duration.ofSeconds(30));
        report.proxyDiff(ProxyDiff.between(before, proxyAdmin.metrics()));
      }
    } finally {
      if (proxyAdmin != null) {
        proxyAdmin.close();
      }
    }
    ObjectNode header = ControlApiJson.mapper().createObjectNode();
    header.put("title", "replay of " + calls.size() + " logged calls against " + described);
    ArrayNode files = header.putArray("logs");
    logs.forEach(l -> files.add(l.toString()));
    header.put("target", described);
    if (!settled) {
      header.put(
          "warning",
          "the proxy was still comparing after 30 s: its figures may miss the last calls");
    }
    ObjectNode out = report.toJson(header, schedule);
    int exit = gate(out, report.consistencyPercent());
    emit(out);
    return exit;
  }

  private TrafficCall renamed(TrafficCall c) {
    return requestIdPrefix == null ? c : c.withRequestId(requestIdPrefix + c.requestId());
  }

  private int gate(ObjectNode out, Double consistency) {
    if (failUnder == null) {
      return 0;
    }
    ObjectNode gate = out.putObject("gate");
    gate.put("failUnder", failUnder);
    if (consistency == null) {
      gate.put("passed", false).put("reason", "no call was compared");
      return GATE_FAILED;
    }
    boolean passed = consistency >= failUnder;
    gate.put("passed", passed);
    if (!passed) {
      gate.put("reason", String.format(Locale.ROOT, "%.4f%% < %s%%", consistency, failUnder));
    }
    return passed ? 0 : GATE_FAILED;
  }

  private int replayMismatch() throws InterruptedException {
    if (!logs.isEmpty()) {
      throw usage("--mismatch replays one stored call: give it without --log");
    }
    checkWhere();
    if (!proxy.given()) {
      throw usage(
          "--mismatch needs --admin URL (and a token): the sample is read from GET /admin/mismatches/"
              + mismatch);
    }
    try (ProxyAdmin proxyAdmin = proxy.open();
        Target target = target()) {
      MismatchReplay.Result r =
          new MismatchReplay(proxyAdmin, target, allowWrites, Clock.systemUTC()).replay(mismatch);
      emit(r.json());
      return switch (r.status()) {
        case RESOLVED -> 0;
        case STILL_DIFFERS -> GATE_FAILED;
        case UNKNOWN -> 1;
      };
    } catch (MismatchReplay.WriteRefused e) {
      throw usage(e.getMessage());
    }
  }

  /** Usage errors of where the calls go, found before anything is read or opened. */
  private void checkWhere() {
    if (where.target != null && (redis != null || postgres != null || topology != null)) {
      throw usage("--redis, --postgres and --topology go with --inprocess, not --target");
    }
    if (where.inprocess && (redis == null || postgres == null)) {
      throw usage("--inprocess needs --redis URL and --postgres URL (the stores it replays into)");
    }
    if (where.inprocess && proxy.given() && mismatch == null) {
      throw usage("--admin reads a proxy's comparison: it goes with --target (or --mismatch)");
    }
    duration(load.timeout, "--timeout");
  }

  private Target target() {
    if (where.target != null) {
      ProxyTarget t =
          new ProxyTarget(where.target, duration(load.timeout, "--timeout"), load.routingKeys());
      try {
        t.checkReachable();
      } catch (ReplayException e) {
        t.close();
        throw e;
      }
      return t;
    }
    return InProcessStores.open(redis, postgres, topology, Clock.systemUTC());
  }

  private Pacing pacing() {
    try {
      if (pace.rate != null) {
        return Pacing.rate(pace.rate);
      }
      return pace.speed == null ? new Pacing.Unpaced() : Pacing.speed(pace.speed);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private Replayer.Settings settings(Pacing pacing) {
    try {
      return new Replayer.Settings(
          pacing,
          load.concurrency,
          limit == null ? Long.MAX_VALUE : limit,
          maxDuration == null ? Duration.ofDays(3650) : duration(maxDuration, "--max-duration"));
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private void emit(JsonNode out) {
    String text;
    try {
      text = ControlApiJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      output.emit(
          spec.commandLine().getOut(),
          text,
          () -> out.has("apis") ? ReplayReport.text(out) : MismatchReplay.text(out));
    } catch (UncheckedIOException e) {
      throw new ReplayException(e.getMessage(), e);
    }
  }

  private Duration duration(String text, String option) {
    try {
      return Durations.parse(text, option);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
