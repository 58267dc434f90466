package io.strangler.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** How a command that ends with a report gives it: {@code --json} and {@code --report FILE}. */
final class ReportOptions {
  @Option(names = "--json", description = "Print the report as JSON instead of text.")
  boolean json;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "Also write the JSON report to FILE.")
  Path report;

  /**
   * Writes {@code jsonText} to the report file when one was named, then prints the JSON or, without
   * {@code --json}, {@code humanText} (each ending with a line break).
   *
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  void emit(PrintWriter out, String jsonText, Supplier<String> humanText) {
    if (report != null) {
      try {
        Files.writeString(report, jsonText + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot write the report to " + report + ": " + e.getMessage(), e);
      }
    }
    String text = json ? jsonText : humanText.get();
    out.print(text.endsWith("\n") ? text : text + "\n");
    out.flush();
  }
}
