package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo, end to end on embedded servers (its own), briefly. */
class DemoCommandTest {
  @Test
  void demo_seedsServesAndDrivesTraffic_thenStopsCleanly() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          Main.run(
              "demo",
              "--repls",
              "300",
              "--machines",
              "12",
              "--duration",
              "PT4S",
              "--port",
              "0",
              "--admin-port",
              "0",
              "--rate",
              "40");
    } finally {
      System.setOut(old);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(printed).isZero();
    assertThat(printed)
        .contains("300 / 300 repls")
        .contains("every API in SHADOW")
        .contains("/admin/flags");
    // Every call the traffic made was answered 200 or a contract error, never a 5xx.
    String last =
        printed.lines().filter(l -> l.startsWith("demo stopped")).findFirst().orElseThrow();
    assertThat(last).doesNotContainPattern("5\\d\\d=");
    assertThat(last).containsPattern("200=\\d+");
  }
}
