package io.strangler.diff.report;

import io.strangler.diff.DiffRules;
import io.strangler.diff.DiffRulesException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The diff reporter's settings: the pipeline's bounds and sampling, the comparison rules, the
 * sample store's caps and retention, and the readiness gate. Immutable; checked as a whole when
 * built, every problem named in one message.
 *
 * <pre>{@code
 * DiffConfig config = DiffConfig.builder()
 *     .apis(operationNames)                 // optional: then every API named below must be one
 *     .rules(DiffRules.load(rulesFile))
 *     .sampling(0.25).sampling("ListMachines", 1.0)
 *     .build();
 * }</pre>
 */
public final class DiffConfig {
  private final Set<String> apis;
  private final DiffRules rules;
  private final int queueCapacity;
  private final int workers;
  private final double defaultSampling;
  private final Map<String, Double> sampling;
  private final Duration recheckDelay;
  private final int maxPendingRechecks;
  private final int recheckThreads;
  private final int recheckAttempts;
  private final int maxMismatchPathsPerApi;
  private final int samplesPerApiPerHour;
  private final Duration sampleRetention;
  private final Duration retentionInterval;
  private final int sampleQueueCapacity;
  private final int sampleBatchSize;
  private final Duration readinessWindow;
  private final int readinessBuckets;
  private final long readinessMinCalls;
  private final BigDecimal readinessThresholdPercent;

  private DiffConfig(Builder b) {
    this.apis = Set.copyOf(b.apis);
    this.rules = b.rules;
    this.queueCapacity = b.queueCapacity;
    this.workers = b.workers;
    this.defaultSampling = b.defaultSampling;
    this.sampling = Map.copyOf(b.sampling);
    this.recheckDelay = b.recheckDelay;
    this.maxPendingRechecks = b.maxPendingRechecks;
    this.recheckThreads = b.recheckThreads;
    this.recheckAttempts = b.recheckAttempts;
    this.maxMismatchPathsPerApi = b.maxMismatchPathsPerApi;
    this.samplesPerApiPerHour = b.samplesPerApiPerHour;
    this.sampleRetention = b.sampleRetention;
    this.retentionInterval = b.retentionInterval;
    this.sampleQueueCapacity = b.sampleQueueCapacity;
    this.sampleBatchSize = b.sampleBatchSize;
    this.readinessWindow = b.readinessWindow;
    this.readinessBuckets = b.readinessBuckets;
    this.readinessMinCalls = b.readinessMinCalls;
    this.readinessThresholdPercent = b.readinessThresholdPercent;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** All defaults. */
  public static DiffConfig defaults() {
    return builder().build();
  }

  /** The known API names; empty when not given (any name is accepted). */
  public Set<String> apis() {
    return apis;
  }

  public DiffRules rules() {
    return rules;
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  public int workers() {
    return workers;
  }

  /** The share of {@code api}'s calls that are compared, 0..1. */
  public double sampling(String api) {
    Double ratio = sampling.get(api);
    return ratio != null ? ratio : defaultSampling;
  }

  public double defaultSampling() {
    return defaultSampling;
  }

  /** The ratios given per API, by name. */
  public Map<String, Double> samplingByApi() {
    return new TreeMap<>(sampling);
  }

  public Duration recheckDelay() {
    return recheckDelay;
  }

  public int maxPendingRechecks() {
    return maxPendingRechecks;
  }

  public int recheckThreads() {
    return recheckThreads;
  }

  /**
   * Second reads of one mismatching call at most, each after twice the previous delay: the call is
   * a RACE if any of them agrees. A difference that is real never agrees, so more attempts only
   * spare the count the differences that were still being written.
   */
  public int recheckAttempts() {
    return recheckAttempts;
  }

  public int maxMismatchPathsPerApi() {
    return maxMismatchPathsPerApi;
  }

  public int samplesPerApiPerHour() {
    return samplesPerApiPerHour;
  }

  public Duration sampleRetention() {
    return sampleRetention;
  }

  public Duration retentionInterval() {
    return retentionInterval;
  }

  public int sampleQueueCapacity() {
    return sampleQueueCapacity;
  }

  public int sampleBatchSize() {
    return sampleBatchSize;
  }

  public Duration readinessWindow() {
    return readinessWindow;
  }

  public int readinessBuckets() {
    return readinessBuckets;
  }

  public long readinessMinCalls() {
    return readinessMinCalls;
  }

  /** The consistency, in percent, at or above which an API with enough calls is READY. */
  public BigDecimal readinessThresholdPercent() {
    return readinessThresholdPercent;
  }

  @Override
  public String toString() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("apis", new TreeSet<>(apis));
    fields.put("rules", rules);
    fields.put("queueCapacity", queueCapacity);
    fields.put("workers", workers);
    fields.put("defaultSampling", defaultSampling);
    fields.put("sampling", samplingByApi());
    fields.put("recheckDelay", recheckDelay);
    fields.put("maxPendingRechecks", maxPendingRechecks);
    fields.put("recheckThreads", recheckThreads);
    fields.put("recheckAttempts", recheckAttempts);
    fields.put("maxMismatchPathsPerApi", maxMismatchPathsPerApi);
    fields.put("samplesPerApiPerHour", samplesPerApiPerHour);
    fields.put("sampleRetention", sampleRetention);
    fields.put("retentionInterval", retentionInterval);
    fields.put("sampleQueueCapacity", sampleQueueCapacity);
    fields.put("sampleBatchSize", sampleBatchSize);
    fields.put("readinessWindow", readinessWindow);
    fields.put("readinessBuckets", readinessBuckets);
    fields.put("readinessMinCalls", readinessMinCalls);
    fields.put("readinessThresholdPercent", readinessThresholdPercent.toPlainString());
    return "DiffConfig" + fields;
  }

  /** Collects settings; {@link #build()} checks them all at once. Not thread-safe. */
  public static final class Builder {
    private final Set<String> apis = new TreeSet<>();
    private DiffRules rules = DiffRules.strict();
    private int queueCapacity = 10_000;
    private int workers = 2;
    private double defaultSampling = 1.0;
    private final Map<String, Double> sampling = new TreeMap<>();
    private Duration recheckDelay = Duration.ofMillis(50);
    private int maxPendingRechecks = 256;
    private int recheckThreads = 2;
    private int recheckAttempts = 4;
    private int maxMismatchPathsPerApi = 50;
    private int samplesPerApiPerHour = 100;
    private Duration sampleRetention = Duration.ofDays(7);
    private Duration retentionInterval = Duration.ofMinutes(10);
    private int sampleQueueCapacity = 1_000;
    private int sampleBatchSize = 50;
    private Duration readinessWindow = Duration.ofHours(1);
    private int readinessBuckets = 60;
    private long readinessMinCalls = 10_000;
    private BigDecimal readinessThresholdPercent = new BigDecimal("99.99");

    private Builder() {}

    /**
     * The API (operation) names. When given, sampling ratios and the rules may only name these, so
     * that a misspelt API fails here rather than silently getting the defaults; readiness lists
     * every one of them, even before its first call.
     */
    public Builder apis(Collection<String> names) {
      apis.clear();
      for (String name : names) {
        apis.add(Objects.requireNonNull(name, "an API name"));
      }
      return this;
    }

    /** The comparison rules; default {@link DiffRules#strict()}, every field compared. */
    public Builder rules(DiffRules rules) {
      this.rules = Objects.requireNonNull(rules, "rules");
      return this;
    }

    /**
     * Calls waiting to be compared at most; more are dropped and counted. Default 10,000. A queued
     * call holds its request and both answers: the queue's memory is up to this many calls.
     */
    public Builder queueCapacity(int capacity) {
      this.queueCapacity = capacity;
      return this;
    }

    /** Threads comparing calls. Default 2. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** The share of every API's calls compared, 0..1, unless set per API. Default 1. */
    public Builder sampling(double ratio) {
      this.defaultSampling = ratio;
      return this;
    }

    /** The share of {@code api}'s calls compared, 0..1. */
    public Builder sampling(String api, double ratio) {
      sampling.put(Objects.requireNonNull(api, "api"), ratio);
      return this;
    }

    /** How long after a mismatching read it is read again from both backends. Default 50 ms. */
    public Builder recheckDelay(Duration delay) {
      this.recheckDelay = Objects.requireNonNull(delay, "recheckDelay");
      return this;
    }

    /** Second reads scheduled or running at most; a mismatch beyond stays MISMATCH. Default 256. */
    public Builder maxPendingRechecks(int max) {
      this.maxPendingRechecks = max;
      return this;
    }

    /**
     * Second reads of one call at most, the k-th after {@code recheckDelay × 2^(k-1)}. Default 4
     * (50, 100, 200, 400 ms with the default delay).
     */
    public Builder recheckAttempts(int attempts) {
      this.recheckAttempts = attempts;
      return this;
    }

    /** Threads making second reads (they block on both backends). Default 2. */
    public Builder recheckThreads(int threads) {
      this.recheckThreads = threads;
      return this;
    }

    /**
     * Distinct folded field paths counted per API in the mismatch metric; the rest count under
     * {@code path="other"}. Default 50.
     */
    public Builder maxMismatchPathsPerApi(int max) {
      this.maxMismatchPathsPerApi = max;
      return this;
    }

    /** Mismatch samples stored per API per clock hour; 0 stores none. Default 100. */
    public Builder samplesPerApiPerHour(int max) {
      this.samplesPerApiPerHour = max;
      return this;
    }

    /** How long a mismatch sample is kept. Default 7 days. */
    public Builder sampleRetention(Duration retention) {
      this.sampleRetention = Objects.requireNonNull(retention, "sampleRetention");
      return this;
    }

    /** How often samples older than the retention are deleted. Default 10 minutes. */
    public Builder retentionInterval(Duration interval) {
      this.retentionInterval = Objects.requireNonNull(interval, "retentionInterval");
      return this;
    }

    /** Samples waiting to be written at most; more are dropped and counted. Default 1,000. */
    public Builder sampleQueueCapacity(int capacity) {
      this.sampleQueueCapacity = capacity;
      return this;
    }

    /** Samples written per database round trip at most. Default 50. */
    public Builder sampleBatchSize(int size) {
      this.sampleBatchSize = size;
      return this;
    }

    /** The sliding window readiness is computed over. Default 1 hour. */
    public Builder readinessWindow(Duration window) {
      this.readinessWindow = Objects.requireNonNull(window, "readinessWindow");
      return this;
    }

    /**
     * Time buckets the readiness window is cut into: the window slides one bucket at a time, so it
     * covers between {@code window - window/buckets} and {@code window}. Default 60.
     */
    public Builder readinessBuckets(int buckets) {
      this.readinessBuckets = buckets;
      return this;
    }

    /** Compared calls an API needs in the window to be READY. Default 10,000. */
    public Builder readinessMinCalls(long minCalls) {
      this.readinessMinCalls = minCalls;
      return this;
    }

    /** The consistency, in percent, an API needs to be READY, e.g. {@code "99.99"} (default). */
    public Builder readinessThresholdPercent(String percent) {
      Objects.requireNonNull(percent, "readinessThresholdPercent");
      try {
        this.readinessThresholdPercent = new BigDecimal(percent.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "readinessThresholdPercent must be a decimal number such as 99.99, got '"
                + percent
                + "'",
            e);
      }
      return this;
    }

    /**
     * @throws IllegalArgumentException naming every invalid setting
     */
    public DiffConfig build() {
      List<String> problems = new ArrayList<>();
      atLeast(problems, "queueCapacity", queueCapacity, 1);
      atLeast(problems, "workers", workers, 1);
      ratio(problems, "sampling (the default)", defaultSampling);
      sampling.forEach((api, ratio) -> ratio(problems, "sampling of " + api, ratio));
      if (recheckDelay.isNegative()) {
        problems.add("recheckDelay must not be negative, got " + recheckDelay);
      }
      atLeast(problems, "maxPendingRechecks", maxPendingRechecks, 0);
      atLeast(problems, "recheckThreads", recheckThreads, 1);
      atLeast(problems, "recheckAttempts", recheckAttempts, 1);
      atLeast(problems, "maxMismatchPathsPerApi", maxMismatchPathsPerApi, 1);
      atLeast(problems, "samplesPerApiPerHour", samplesPerApiPerHour, 0);
      positive(problems, "sampleRetention", sampleRetention);
      positive(problems, "retentionInterval", retentionInterval);
      atLeast(problems, "sampleQueueCapacity", sampleQueueCapacity, 1);
      atLeast(problems, "sampleBatchSize", sampleBatchSize, 1);
      positive(problems, "readinessWindow", readinessWindow);
      atLeast(problems, "readinessBuckets", readinessBuckets, 1);
      if (readinessBuckets >= 1
          && readinessWindow.isPositive()
          && readinessWindow.toMillis() % readinessBuckets != 0) {
        problems.add(
            "readinessWindow ("
                + readinessWindow.toMillis()
                + " ms) must be a whole number of milliseconds per bucket; it does not divide into"
                + " readinessBuckets ("
                + readinessBuckets
                + ")");
      }
      if (readinessMinCalls < 1) {
        problems.add("readinessMinCalls must be at least 1, got " + readinessMinCalls);
      }
      if (readinessThresholdPercent.signum() < 0
          || readinessThresholdPercent.compareTo(BigDecimal.valueOf(100)) > 0) {
        problems.add(
            "readinessThresholdPercent must be between 0 and 100, got "
                + readinessThresholdPercent.toPlainString());
      }
      if (!apis.isEmpty()) {
        Set<String> unknown = new TreeSet<>(sampling.keySet());
        unknown.removeAll(apis);
        if (!unknown.isEmpty()) {
          problems.add("sampling names unknown API(s) " + unknown + "; the APIs are " + apis);
        }
        try {
          rules.requireKnownApis(apis);
        } catch (DiffRulesException e) {
          problems.add(e.getMessage());
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid diff config: " + String.join("; ", problems));
      }
      return new DiffConfig(this);
    }

    private static void atLeast(List<String> problems, String name, long value, long min) {
      if (value < min) {
        problems.add(name + " must be at least " + min + ", got " + value);
      }
    }

    private static void ratio(List<String> problems, String name, double value) {
      if (!(value >= 0 && value <= 1)) {
        problems.add(name + " must be a ratio between 0 and 1, got " + value);
      }
    }

    private static void positive(List<String> problems, String name, Duration value) {
      if (!value.isPositive()) {
        problems.add(name + " must be positive, got " + value);
      }
    }
  }
}
