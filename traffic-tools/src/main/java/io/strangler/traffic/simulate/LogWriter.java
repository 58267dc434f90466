package io.strangler.traffic.simulate;

import io.strangler.api.Operation;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.dispatch.RecordingConfig;
import io.strangler.dispatch.RecordingStats;
import io.strangler.dispatch.TrafficRecorder;
import io.strangler.flags.Mode;
import io.strangler.traffic.replay.Answer;
import io.strangler.traffic.replay.ReplayException;
import io.strangler.traffic.replay.Replayer;
import io.strangler.traffic.replay.TrafficCall;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Writes the simulated traffic as a traffic log, through the proxy's own recorder so the format is
 * the recorder's: every call with the answer the client got, as mode SHADOW (the legacy backend's
 * answer is the one given). Calls the proxy would refuse are left out, as a proxy leaves them out.
 */
public final class LogWriter implements Replayer.Listener, AutoCloseable {
  private final TrafficRecorder recorder;

  public LogWriter(Path file) {
    try {
      this.recorder =
          TrafficRecorder.start(
              RecordingConfig.builder(file)
                  .maxBytes(Long.MAX_VALUE)
                  .keep(0)
                  .queueCapacity(100_000)
                  .threadName("simulate-log")
                  .build());
    } catch (RuntimeException e) {
      throw new ReplayException("--out " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void done(Replayer.Sent sent) {
    if (sent.call().prepared() == null) {
      return;
    }
    TrafficCall call = sent.call().call();
    Duration latency = sent.result().latency();
    Outcome outcome =
        switch (sent.result().answer()) {
          case Answer.Ok ok -> new Outcome.Answer(ok.body(), latency);
          case Answer.Failed f ->
              new Outcome.Failure(
                  f.code(), f.status() == 0 ? 503 : f.status(), f.message(), latency);
        };
    boolean write = Operation.byName(call.operation()).map(Operation::isWrite).orElse(true);
    recorder.accept(
        new Exchange(
            call.operation(),
            write ? ApiSpec.Kind.WRITE : ApiSpec.Kind.READ,
            Mode.SHADOW,
            call.request(),
            call.requestId(),
            call.time(),
            outcome,
            Outcome.NOT_CALLED));
  }

  public RecordingStats stats() {
    return recorder.stats();
  }

  @Override
  public void close() {
    recorder.close(Duration.ofSeconds(30));
  }
}
