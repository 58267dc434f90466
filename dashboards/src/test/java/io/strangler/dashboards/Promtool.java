package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Prometheus's promtool (Debian package {@code prometheus}) as a process. */
final class Promtool {
  record Result(int exitCode, String output) {}

  private Promtool() {}

  /**
   * The promtool binary: {@code $PROMTOOL} if set, else the first on {@code PATH}. Fails the test
   * when there is none: these checks must not pass by being skipped.
   */
  static Path binary() {
    String configured = System.getenv("PROMTOOL");
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (Files.isExecutable(p)) {
        return p;
      }
      fail("PROMTOOL=" + configured + " is not an executable file");
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, "promtool");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return fail(
        "promtool is not installed (not on PATH, PROMTOOL not set). Install Debian's prometheus"
            + " package: sudo apt-get install -y prometheus (CI installs it). The Prometheus rules"
            + " are checked with it and these tests must not be skipped.");
  }

  /** Runs {@code promtool args...} in {@code dir}; gives up after a minute. */
  static Result run(Path dir, String... args) throws IOException, InterruptedException {
    return run(dir, new byte[0], args);
  }

  /** Runs {@code promtool args...} in {@code dir} with {@code stdin} as its input. */
  static Result run(Path dir, byte[] stdin, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    // promtool reads its whole input before it writes, so writing first cannot deadlock.
    try (var in = process.getOutputStream()) {
      in.write(stdin);
    }
    // promtool's output is small; reading it to the end also waits for the process to finish.
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("promtool " + String.join(" ", args) + " did not finish within 60 s");
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
