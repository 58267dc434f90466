package io.strangler.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strangler.cli.Main;
import io.strangler.traffic.replay.Answer;
import io.strangler.traffic.replay.Pacing;
import io.strangler.traffic.replay.ReadyCall;
import io.strangler.traffic.replay.TrafficCall;
import io.strangler.traffic.replay.TrafficLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading traffic logs and the replay's settings: bad input is a clear error before anything is
 * sent.
 */
class TrafficLogTest {
  @TempDir Path dir;

  private static String line(String time, String op, String id) {
    return "{\"time\":\""
        + time
        + "\",\"operation\":\""
        + op
        + "\",\"requestId\":\""
        + id
        + "\",\"mode\":\"SHADOW\",\"request\":{\"replId\":\"r-1\"},\"answer\":{}}";
  }

  @Test
  void logs_areMergedByTime_andEqualTimesKeepFileThenLineOrder() throws Exception {
    Path older = dir.resolve("t.1.jsonl");
    Path newer = dir.resolve("t.jsonl");
    Files.write(
        older,
        List.of(
            line("2026-11-21T07:00:00.002Z", "GetRepl", "b"),
            line("2026-11-21T07:00:00.001Z", "GetRepl", "a"),
            line("2026-11-21T07:00:00.003Z", "GetRepl", "c1")));
    Files.write(
        newer,
        List.of(
            line("2026-11-21T07:00:00.003Z", "GetRepl", "c2"),
            "",
            line("2026-11-21T07:00:00.004Z", "GetRepl", "d")));

    List<TrafficCall> calls = TrafficLog.read(List.of(older, newer));

    assertThat(calls).extracting(TrafficCall::requestId).containsExactly("a", "b", "c1", "c2", "d");
    assertThat(calls.get(0).source()).isEqualTo("t.1.jsonl:2");
    assertThat(calls.get(0).recorded()).isInstanceOf(Answer.Ok.class);
  }

  @Test
  void aStop_isOrderedWithTheReplWhoseContainerTheLogShowsItStops() throws Exception {
    Path log = dir.resolve("t.jsonl");
    Files.write(
        log,
        List.of(
            "{\"time\":\"2026-11-21T07:00:00.001Z\",\"operation\":\"ConnectRepl\",\"requestId\":\"c\",\"mode\":\"SHADOW\",\"request\":{\"replId\":\"r-1\"},"
                + "\"answer\":{\"container\":{\"containerId\":\"ctr-1\",\"replId\":\"r-1\"},\"created\":true,\"transferred\":false}}",
            "{\"time\":\"2026-11-21T07:00:00.002Z\",\"operation\":\"StopContainer\",\"requestId\":\"s\",\"mode\":\"SHADOW\",\"request\":{\"containerId\":\"ctr-1\"},\"answer\":{}}",
            "{\"time\":\"2026-11-21T07:00:00.003Z\",\"operation\":\"StopContainer\",\"requestId\":\"u\",\"mode\":\"SHADOW\",\"request\":{\"containerId\":\"ctr-unknown\"},\"answer\":{}}"));

    List<ReadyCall> calls = TrafficLog.read(List.of(log)).stream().map(ReadyCall::of).toList();

    assertThat(calls.get(0).laneKey()).isEqualTo("repl:r-1");
    assertThat(calls.get(1).laneKey()).isEqualTo("repl:r-1");
    assertThat(calls.get(2).laneKey()).isEqualTo("container:ctr-unknown");
  }

  @Test
  void aBadLine_namesItsFileAndLine() throws Exception {
    Path log = dir.resolve("bad.jsonl");
    Files.write(log, List.of(line("2026-11-21T07:00:00Z", "GetRepl", "a"), "{\"time\": 3}"));
    assertThatThrownBy(() -> TrafficLog.read(List.of(log)))
        .hasMessage("bad.jsonl:2: 'time' is missing or not a string");

    Files.write(log, List.of(line("2026-11-21T07:00:00Z", "GetRepls", "a")));
    assertThatThrownBy(() -> TrafficLog.read(List.of(log)))
        .hasMessage("bad.jsonl:1: unknown operation 'GetRepls'");

    Files.write(log, List.of("{not json"));
    assertThatThrownBy(() -> TrafficLog.read(List.of(log)))
        .hasMessageStartingWith("bad.jsonl:1: not JSON");

    assertThatThrownBy(() -> TrafficLog.read(List.of(dir.resolve("none.jsonl"))))
        .hasMessageContaining("no traffic log at");
  }

  @Test
  void pacing_parsesRatesAndSpeeds_andRefusesNonsense() {
    assertThat(Pacing.rate("500/s").perSecond()).isEqualTo(500.0);
    assertThat(Pacing.rate("2.5").perSecond()).isEqualTo(2.5);
    assertThat(Pacing.speed("2x")).isEqualTo(new Pacing.Speed(2.0));
    assertThat(Pacing.speed("max")).isInstanceOf(Pacing.Unpaced.class);
    assertThat(new Pacing.Rate(50).dueNanos(10, 0)).isEqualTo(200_000_000L);
    assertThat(new Pacing.Speed(2).dueNanos(10, 1_000_000_000L)).isEqualTo(500_000_000L);
    assertThatThrownBy(() -> Pacing.speed("2")).hasMessageContaining("like 2x");
    assertThatThrownBy(() -> Pacing.rate("fast")).hasMessageContaining("like 500/s");
    assertThatThrownBy(() -> Pacing.rate("0/s")).hasMessageContaining("above 0");
  }

  @Test
  void theCommand_refusesBadUsageWith2_andABadLogWith1_beforeTouchingAnyStore() throws Exception {
    Path log = dir.resolve("bad.jsonl");
    Files.write(log, List.of("{not json"));
    // Port 1: nothing listens there; a bad log must fail before any connection is tried.
    String[] stores = {
      "--inprocess",
      "--redis",
      "redis://127.0.0.1:1/0",
      "--postgres",
      "postgresql://postgres@127.0.0.1:1/none"
    };
    assertThat(Main.run(concat(new String[] {"replay", "--log", log.toString()}, stores)))
        .isEqualTo(1);
    assertThat(
            Main.run(
                concat(
                    new String[] {
                      "replay", "--log", log.toString(), "--speed", "2x", "--rate", "5/s"
                    },
                    stores)))
        .isEqualTo(2);
    assertThat(
            Main.run(
                concat(
                    new String[] {"replay", "--log", log.toString(), "--speed", "fast"}, stores)))
        .isEqualTo(2);
    assertThat(
            Main.run(
                concat(
                    new String[] {"replay", "--log", log.toString(), "--concurrency", "0"},
                    stores)))
        .isEqualTo(2);
    assertThat(Main.run("replay", "--log", log.toString()))
        .as("neither --target nor --inprocess")
        .isEqualTo(2);
    assertThat(Main.run("replay", "--log", log.toString(), "--inprocess"))
        .as("--inprocess without stores")
        .isEqualTo(2);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
