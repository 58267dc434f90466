package io.strangler.cli;

import io.strangler.api.Operation;
import io.strangler.dispatch.RecordingConfig;
import io.strangler.dispatch.TrafficRecorder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code serve}'s traffic log options (docs/replay.md): where, which calls, rotation, redaction.
 */
final class RecordOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--record",
      paramLabel = "FILE",
      description =
          "Write every call (or a sample) to this JSON Lines traffic log, for `strangler replay`.")
  Path file;

  @Option(
      names = "--record-sample",
      paramLabel = "RATIO",
      defaultValue = "1",
      description =
          "Share of calls recorded, 0..1, chosen by request id (default ${DEFAULT-VALUE}).")
  double sample;

  @Option(
      names = "--record-sample-api",
      paramLabel = "OPERATION=RATIO",
      description = "Share of one API's calls recorded, overriding --record-sample; repeatable.")
  Map<String, Double> apiSamples = new LinkedHashMap<>();

  @Option(
      names = "--record-max-bytes",
      paramLabel = "BYTES",
      defaultValue = "104857600",
      description = "Rotate the log before it passes this size (default ${DEFAULT-VALUE}).")
  long maxBytes;

  @Option(
      names = "--record-keep",
      paramLabel = "N",
      defaultValue = "5",
      description = "Rotated logs kept: FILE.1 (newest) .. FILE.N (default ${DEFAULT-VALUE}).")
  int keep;

  @Option(
      names = "--redact",
      paramLabel = "POINTER",
      description =
          "Write \"[redacted]\" for this field of every line: a JSON Pointer into the line, * for every element, e.g. /request/address or /answer/machines/*/address; repeatable.")
  List<String> redact = new ArrayList<>();

  /** The settings, checked; null when not recording. A bad value is a usage error. */
  RecordingConfig check() {
    if (file == null) {
      if (!apiSamples.isEmpty() || !redact.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "--record-sample-api and --redact need --record FILE");
      }
      return null;
    }
    for (String api : apiSamples.keySet()) {
      if (Operation.byName(api).isEmpty()) {
        throw new ParameterException(
            spec.commandLine(),
            "--record-sample-api: unknown API '"
                + api
                + "'; the APIs are "
                + Operation.ALL.stream().map(Operation::name).toList());
      }
    }
    try {
      RecordingConfig.Builder b =
          RecordingConfig.builder(file).sampleRatio(sample).maxBytes(maxBytes).keep(keep);
      apiSamples.forEach(b::sampleRatio);
      redact.forEach(b::redact);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "bad recording option: " + e.getMessage());
    }
  }

  /** The recorder the options ask for: {@link TrafficRecorder#disabled()} without --record. */
  TrafficRecorder start() {
    RecordingConfig config = check();
    return config == null ? TrafficRecorder.disabled() : TrafficRecorder.start(config);
  }
}
