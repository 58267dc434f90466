package io.strangler.dispatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the {@link TrafficRecorder} writes the traffic log: where, which calls (a sampling ratio, per
 * operation if wanted), how large a file may grow and how many rotated files are kept, which fields
 * are redacted, and how many calls may wait for the writer. Immutable, checked when built.
 */
public final class RecordingConfig {
  public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
  public static final long MIN_MAX_BYTES = 4096;
  public static final int DEFAULT_KEEP = 5;
  public static final int MAX_KEEP = 1000;
  public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
  public static final String DEFAULT_THREAD_NAME = "traffic-recorder";

  private final Path file;
  private final double sampleRatio;
  private final Map<String, Double> apiSampleRatios;
  private final long maxBytes;
  private final int keep;
  private final List<Redaction> redactions;
  private final int queueCapacity;
  private final String threadName;

  private RecordingConfig(Builder b) {
    this.file = b.file;
    this.sampleRatio = b.sampleRatio;
    this.apiSampleRatios = Map.copyOf(b.apiSampleRatios);
    this.maxBytes = b.maxBytes;
    this.keep = b.keep;
    this.redactions = List.copyOf(b.redactions);
    this.queueCapacity = b.queueCapacity;
    this.threadName = b.threadName;
  }

  /** A config writing to {@code file} (for example {@code traffic.jsonl}); the rest defaulted. */
  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** The current log file; rotated ones are named by {@link #rotated(int)}. */
  public Path file() {
    return file;
  }

  /**
   * The {@code n}th rotated file, 1 the newest: {@code traffic.jsonl} rotates to {@code
   * traffic.1.jsonl}, {@code traffic.2.jsonl}, ... (the number goes before the last extension).
   */
  public Path rotated(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("rotated files are numbered from 1, got " + n);
    }
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String rotated =
        dot <= 0 ? name + "." + n : name.substring(0, dot) + "." + n + name.substring(dot);
    return file.resolveSibling(rotated);
  }

  /** The ratio of {@code operation}'s calls written: its own, else the default. */
  public double sampleRatio(String operation) {
    return apiSampleRatios.getOrDefault(operation, sampleRatio);
  }

  public double defaultSampleRatio() {
    return sampleRatio;
  }

  public Map<String, Double> apiSampleRatios() {
    return apiSampleRatios;
  }

  /** A file is rotated before a line would take it past this size. */
  public long maxBytes() {
    return maxBytes;
  }

  /** How many rotated files are kept; older ones are deleted. 0 keeps none. */
  public int keep() {
    return keep;
  }

  /** The JSON Pointers redacted in every line, as given. */
  public List<String> redact() {
    return redactions.stream().map(Redaction::pointer).toList();
  }

  List<Redaction> redactions() {
    return redactions;
  }

  /** Calls waiting for the writer at most; more are dropped and counted. */
  public int queueCapacity() {
    return queueCapacity;
  }

  public String threadName() {
    return threadName;
  }

  @Override
  public String toString() {
    return "RecordingConfig{file="
        + file
        + ", sampleRatio="
        + sampleRatio
        + ", apiSampleRatios="
        + apiSampleRatios
        + ", maxBytes="
        + maxBytes
        + ", keep="
        + keep
        + ", redact="
        + redact()
        + ", queueCapacity="
        + queueCapacity
        + "}";
  }

  /** Settings with defaults: every call recorded, 100 MiB files, 5 kept, nothing redacted. */
  public static final class Builder {
    private final Path file;
    private double sampleRatio = 1.0;
    private final Map<String, Double> apiSampleRatios = new LinkedHashMap<>();
    private long maxBytes = DEFAULT_MAX_BYTES;
    private int keep = DEFAULT_KEEP;
    private final List<Redaction> redactions = new ArrayList<>();
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private String threadName = DEFAULT_THREAD_NAME;

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file");
      if (file.getFileName() == null) {
        throw new IllegalArgumentException("the traffic log must be a file, got '" + file + "'");
      }
    }

    /** The share of calls written, 0..1, chosen by a hash of the request id. Default 1. */
    public Builder sampleRatio(double ratio) {
      this.sampleRatio = checkRatio(ratio, "the sampling ratio");
      return this;
    }

    /** The share of {@code operation}'s calls written, overriding the default ratio. */
    public Builder sampleRatio(String operation, double ratio) {
      Objects.requireNonNull(operation, "operation");
      if (!ApiSpec.NAME.matcher(operation).matches()) {
        throw new IllegalArgumentException(
            "an operation name must match " + ApiSpec.NAME.pattern() + ", got '" + operation + "'");
      }
      apiSampleRatios.put(operation, checkRatio(ratio, "the sampling ratio of " + operation));
      return this;
    }

    /** Rotate before a file would pass this many bytes; at least 4096. Default 100 MiB. */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes < MIN_MAX_BYTES) {
        throw new IllegalArgumentException(
            "the largest traffic log file must be at least "
                + MIN_MAX_BYTES
                + " bytes, got "
                + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /** Rotated files kept, 0..1000. Default 5. */
    public Builder keep(int keep) {
      if (keep < 0 || keep > MAX_KEEP) {
        throw new IllegalArgumentException(
            "the rotated traffic logs kept must be 0.." + MAX_KEEP + ", got " + keep);
      }
      this.keep = keep;
      return this;
    }

    /**
     * Replaces the value at {@code pointer} in every line by {@code "[redacted]"}. The pointer is
     * into the whole line, e.g. {@code /request/address} or {@code /answer/machines/}{@code
     * *}{@code /address}; a {@code *} segment matches every element or field.
     */
    public Builder redact(String pointer) {
      redactions.add(Redaction.parse(pointer));
      return this;
    }

    /** Calls waiting for the writer at most. Default 10,000. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException(
            "the recording queue must hold at least 1 call, got " + capacity);
      }
      this.queueCapacity = capacity;
      return this;
    }

    /** The writer thread's name. */
    public Builder threadName(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("the writer thread needs a name");
      }
      this.threadName = name;
      return this;
    }

    public RecordingConfig build() {
      return new RecordingConfig(this);
    }

    private static double checkRatio(double ratio, String what) {
      if (!(ratio >= 0.0 && ratio <= 1.0)) {
        throw new IllegalArgumentException(what + " must be between 0 and 1, got " + ratio);
      }
      return ratio;
    }
  }
}
