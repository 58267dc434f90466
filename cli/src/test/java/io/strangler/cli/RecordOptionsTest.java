package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve}'s recording options: checked before anything starts, with a usage error naming the
 * problem.
 */
class RecordOptionsTest {
  @TempDir Path dir;

  private record Run(int exit, String err) {}

  private static Run serve(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(new java.io.PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
    String[] all = new String[args.length + 1];
    all[0] = "serve";
    System.arraycopy(args, 0, all, 1, args.length);
    int exit = cli.execute(all);
    return new Run(exit, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void badRecordingOptions_areUsageErrors_beforeAnyStoreIsOpened() {
    String log = dir.resolve("t.jsonl").toString();
    Run unknownApi = serve("--record", log, "--record-sample-api", "GetRepll=0.5");
    assertThat(unknownApi.exit()).isEqualTo(2);
    assertThat(unknownApi.err()).contains("unknown API 'GetRepll'");

    Run ratio = serve("--record", log, "--record-sample", "1.5");
    assertThat(ratio.exit()).isEqualTo(2);
    assertThat(ratio.err()).contains("between 0 and 1, got 1.5");

    Run pointer = serve("--record", log, "--redact", "request/address");
    assertThat(pointer.exit()).isEqualTo(2);
    assertThat(pointer.err()).contains("JSON Pointer");

    Run withoutFile = serve("--redact", "/request/address");
    assertThat(withoutFile.exit()).isEqualTo(2);
    assertThat(withoutFile.err()).contains("need --record FILE");
  }
}
