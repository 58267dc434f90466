package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What a user reads: the command list, and errors in words rather than Java class names. */
class CliMessagesTest {
  private static void collect(CommandLine cl, List<CommandLine> out) {
    for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
      if (e.getValue().getCommandSpec().usageMessage().hidden() || e.getKey().equals("help")) {
        continue;
      }
      out.add(e.getValue());
      collect(e.getValue(), out);
    }
  }

  @Test
  void everyCommand_summaryIsOneCompleteSentence() {
    List<CommandLine> all = new ArrayList<>();
    collect(new CommandLine(new Main()), all);
    assertThat(all).hasSizeGreaterThan(15);
    for (CommandLine c : all) {
      String[] description = c.getCommandSpec().usageMessage().description();
      assertThat(description).as(c.getCommandName()).isNotEmpty();
      String summary = description[0];
      assertThat(summary)
          .as("summary of `%s`", c.getCommandSpec().qualifiedName())
          .matches("[A-Z].*[.)]")
          .doesNotContain("  ");
      // One sentence: no full stop inside, except in abbreviations like "e.g.".
      assertThat(
              summary
                  .replace("e.g.", "")
                  .replace("i.e.", "")
                  .replaceAll("\\.\\.+", "")
                  .replaceAll("\\.[a-z0-9/]", ""))
          .as("summary of `%s`", c.getCommandSpec().qualifiedName())
          .matches("[^.]*\\.?\\)?");
    }
  }

  @Test
  void describe_wrappedFailure_wordsWithoutClassNames() {
    Exception e =
        new RuntimeException(
            "java.io.IOException: cannot read the flags file",
            new java.io.IOException(
                "cannot read the flags file", new java.nio.file.NoSuchFileException("flags.json")));
    assertThat(Cli.describe(e)).isEqualTo("cannot read the flags file: flags.json");
    assertThat(Cli.describe(new NullPointerException()))
        .isEqualTo("unexpected failure (NullPointerException)");
  }

  private static String[] runCapturingErr(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run(args);
    } finally {
      System.setErr(saved);
    }
    return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void demo_shortToken_refusedBeforeAnyStoreStarts() {
    long before = System.nanoTime();
    String[] r =
        runCapturingErr(
            "demo",
            "--admin-token",
            "short",
            "--redis",
            "redis://127.0.0.1:1",
            "--postgres",
            "postgresql://nobody@127.0.0.1:1/none");

    // The stores named are unreachable: had the demo got as far as opening them, it would say so.
    assertThat(r[1])
        .contains("at least 16 characters")
        .doesNotContain("java.")
        .doesNotContain("Exception")
        .doesNotContain("Connection refused");
    assertThat(r[0]).isEqualTo("2");
    assertThat(System.nanoTime() - before).isLessThan(5_000_000_000L);
  }

  @Test
  void serve_shortToken_refusedBeforeAnyStoreStarts() {
    String[] r =
        runCapturingErr(
            "serve",
            "--admin-token",
            "short",
            "--redis",
            "redis://127.0.0.1:1",
            "--postgres",
            "postgresql://nobody@127.0.0.1:1/none");

    assertThat(r[1])
        .contains("at least 16 characters")
        .doesNotContain("java.")
        .doesNotContain("Connection refused");
    assertThat(r[0]).isEqualTo("2");
  }
}
