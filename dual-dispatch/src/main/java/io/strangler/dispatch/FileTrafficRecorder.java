package io.strangler.dispatch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.common.QueueDrain;
import io.strangler.common.RateLimitedLog;
import io.strangler.common.Sampling;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TrafficRecorder} over files. The proxy's threads only hash the request id ({@link
 * Sampling}, the function the diff pipeline samples with too) and offer the exchange to a bounded
 * queue ({@link QueueDrain}); everything else (building the line, redacting, serialising, writing,
 * rotating) happens on the one writer thread.
 */
final class FileTrafficRecorder implements TrafficRecorder {
  private static final Logger log = LoggerFactory.getLogger(FileTrafficRecorder.class);
  private static final int BUFFER_BYTES = 64 * 1024;

  /** Opens a log file for appending; a seam for tests that need a writer that blocks or fails. */
  @FunctionalInterface
  interface Opener {
    OutputStream open(Path file) throws IOException;
  }

  static final Opener FILES =
      file ->
          Files.newOutputStream(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

  private final RecordingConfig config;
  private final Opener opener;
  private final QueueDrain<Exchange> writer;
  private final RateLimitedLog errors = new RateLimitedLog(log, Duration.ofSeconds(10));

  private final LongAdder sampledOut = new LongAdder();
  private final LongAdder notApplied = new LongAdder();
  private final LongAdder droppedQueueFull = new LongAdder();
  private final LongAdder droppedClosed = new LongAdder();
  // Written by the writer thread only; volatile so stats() reads fresh values.
  private volatile long written;
  private volatile long bytes;
  private volatile long failed;
  private volatile long rotations;

  // Writer thread only: the open file, the buffer over it, the file's size, and what the buffer
  // holds that is not yet known to be in the file (counted as written once flushed).
  private OutputStream file;
  private OutputStream out;
  private long size;
  private long bufferedLines;
  private long bufferedBytes;

  FileTrafficRecorder(RecordingConfig config, Opener opener) {
    this.config = config;
    this.opener = opener;
    Path dir = config.file().toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "cannot record traffic to "
              + config.file().toAbsolutePath()
              + ": the directory "
              + dir
              + " does not exist");
    }
    try {
      open();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open the traffic log " + config.file().toAbsolutePath() + ": " + e.getMessage(),
          e);
    }
    this.writer =
        QueueDrain.start(
            config.threadName(),
            config.queueCapacity(),
            1,
            new QueueDrain.Handler<>() {
              @Override
              public void handle(List<Exchange> batch) {
                batch.forEach(FileTrafficRecorder.this::write);
              }

              @Override
              public void drained() {
                // Whenever the queue runs dry, so a quiet proxy's log is complete on disk.
                flush();
              }

              @Override
              public void stopped() {
                closeFile();
              }
            });
    log.info("recording traffic to {} ({})", config.file().toAbsolutePath(), config);
  }

  @Override
  public void accept(Exchange exchange) {
    // Everything here runs on the proxy's threads: keep it to a hash and a non-blocking offer,
    // and never throw (a sink that throws would stop the sinks chained after it).
    try {
      if (!Sampling.keeps(exchange.requestId(), config.sampleRatio(exchange.operation()))) {
        sampledOut.increment();
      } else if (writer.closing()) {
        droppedClosed.increment();
      } else if (!writer.offer(exchange)) {
        droppedQueueFull.increment();
      }
    } catch (RuntimeException e) {
      droppedQueueFull.increment();
      errors.warn("could not queue a call for the traffic log", e);
    }
  }

  private void write(Exchange e) {
    ObjectNode line = line(e, !config.redactions().isEmpty());
    if (line == null) {
      notApplied.increment();
      return;
    }
    for (Redaction r : config.redactions()) {
      r.apply(line);
    }
    try {
      byte[] data = Json.MAPPER.writeValueAsBytes(line);
      if (out == null) {
        open();
      }
      if (size > 0 && size + data.length + 1 > config.maxBytes()) {
        rotate();
      }
      out.write(data);
      out.write('\n');
      size += data.length + 1;
      bufferedLines++;
      bufferedBytes += data.length + 1;
    } catch (IOException | RuntimeException ex) {
      bufferedLines++;
      lost(ex);
    }
  }

  /** The lines in the buffer reached the file. */
  private void landed() {
    written += bufferedLines;
    bytes += bufferedBytes;
    bufferedLines = 0;
    bufferedBytes = 0;
  }

  /** The lines in the buffer are lost: count them, and start afresh with the next line. */
  private void lost(Exception cause) {
    failed += bufferedLines;
    bufferedLines = 0;
    bufferedBytes = 0;
    errors.warn("could not write to the traffic log " + config.file(), cause);
    // Close the file under the buffer, not the buffer: closing it would try to write again.
    try {
      if (file != null) {
        file.close();
      }
    } catch (IOException ignored) {
      // Already failing; the first error is the one logged.
    }
    out = null;
    file = null;
  }

  /**
   * The log line of one exchange, or null when no backend ran it. Request and answer are copied
   * when {@code copy}: the exchange's JSON is shared with the other sinks and must not be redacted.
   */
  static ObjectNode line(Exchange e, boolean copy) {
    ObjectNode line = Json.MAPPER.createObjectNode();
    line.put("time", DateTimeFormatter.ISO_INSTANT.format(e.now()));
    line.put("operation", e.operation());
    line.put("requestId", e.requestId());
    line.put("mode", e.mode().name());
    line.set("request", copy ? e.request().deepCopy() : e.request());
    switch (e.authoritative()) {
      case Outcome.Answer a -> line.set("answer", copy ? a.body().deepCopy() : a.body());
      case Outcome.Failure f -> {
        line.set("error", Json.error(f.code(), f.message()));
        line.put("status", f.httpStatus());
      }
      case Outcome.TimedOut t -> {
        line.set("error", Json.error(ErrorCodes.UNAVAILABLE, "no answer within " + t.after()));
        line.put("status", 503);
      }
      case Outcome.Dropped d -> {
        return null;
      }
      case Outcome.NotCalled n -> {
        return null;
      }
    }
    return line;
  }

  private void open() throws IOException {
    file = opener.open(config.file());
    out = new BufferedOutputStream(file, BUFFER_BYTES);
    size = Files.exists(config.file()) ? Files.size(config.file()) : 0;
  }

  private void rotate() throws IOException {
    out.close();
    landed();
    out = null;
    file = null;
    Path current = config.file();
    if (config.keep() == 0) {
      Files.deleteIfExists(current);
    } else {
      Files.deleteIfExists(config.rotated(config.keep()));
      for (int i = config.keep() - 1; i >= 1; i--) {
        Path from = config.rotated(i);
        if (Files.exists(from)) {
          Files.move(from, config.rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(current, config.rotated(1), StandardCopyOption.REPLACE_EXISTING);
    }
    rotations++;
    open();
  }

  private void flush() {
    if (out == null) {
      return;
    }
    try {
      out.flush();
      landed();
    } catch (IOException e) {
      lost(e);
    }
  }

  private void closeFile() {
    if (out == null) {
      return;
    }
    try {
      out.close();
      landed();
    } catch (IOException e) {
      lost(e);
    }
    out = null;
    file = null;
  }

  @Override
  public RecordingStats stats() {
    return new RecordingStats(
        true,
        config.file().toString(),
        written,
        bytes,
        sampledOut.sum(),
        notApplied.sum(),
        droppedQueueFull.sum(),
        droppedClosed.sum(),
        failed,
        rotations,
        writer.size(),
        config.queueCapacity());
  }

  @Override
  public boolean close(Duration timeout) {
    // Calls still queued: the writer gave up on them, or they were offered as it stopped.
    LongAdder left = new LongAdder();
    boolean finished = writer.close(timeout, e -> left.increment());
    droppedClosed.add(left.sum());
    if (finished) {
      log.info("traffic log closed: {}", stats());
    } else {
      log.warn(
          "the traffic log writer did not finish within {}; {} queued calls dropped",
          timeout,
          left.sum());
    }
    return finished;
  }
}
