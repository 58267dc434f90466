package io.strangler.importer;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * What {@link Seeder} writes: sizes, shares and the seed. Checked when built. The same seed and
 * {@code now} give the same dataset, key for key; with the default {@code now} (the clock's) the
 * ids, slugs, placements and states are the same and the times move with the clock.
 */
public final class SeedOptions {
  private final String redisUrl;
  private final int repls;
  private final int machines;
  private final long seed;
  private final int regions;
  private final int clustersPerRegion;
  private final double containerShare;
  private final double runningShare;
  private final double pendingTransferShare;
  private final double tombstoneShare;
  private final boolean flush;
  private final Instant now;

  private SeedOptions(Builder b) {
    this.redisUrl = b.redisUrl;
    this.repls = b.repls;
    this.machines = b.machines;
    this.seed = b.seed;
    this.regions = b.regions;
    this.clustersPerRegion = b.clustersPerRegion;
    this.containerShare = b.containerShare;
    this.runningShare = b.runningShare;
    this.pendingTransferShare = b.pendingTransferShare;
    this.tombstoneShare = b.tombstoneShare;
    this.flush = b.flush;
    this.now = b.now != null ? b.now : b.clock.instant();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code redis://host:port/db}: the logical database written. */
  public String redisUrl() {
    return redisUrl;
  }

  public int repls() {
    return repls;
  }

  public int machines() {
    return machines;
  }

  public long seed() {
    return seed;
  }

  public int regions() {
    return regions;
  }

  public int clustersPerRegion() {
    return clustersPerRegion;
  }

  /** Share of repls that have run at least one container. */
  public double containerShare() {
    return containerShare;
  }

  /** Share of those whose latest container is still RUNNING. */
  public double runningShare() {
    return runningShare;
  }

  /** Share of repls with a pending lazy transfer. */
  public double pendingTransferShare() {
    return pendingTransferShare;
  }

  /** Share of repls that moved within the last hour and have a live tombstone. */
  public double tombstoneShare() {
    return tombstoneShare;
  }

  /** Empty the logical database first (otherwise a non-empty one is refused). */
  public boolean flush() {
    return flush;
  }

  /**
   * The time the dataset is "taken" at: every time in it is before, tombstones expire within the
   * hour after. Tombstone keys expire on Redis's clock, so with a {@code now} more than an hour
   * past, Redis drops them as they are written.
   */
  public Instant now() {
    return now;
  }

  /** Collects seed options; {@link #build()} checks them. */
  public static final class Builder {
    private String redisUrl;
    private int repls = 10_000;
    private int machines = 100;
    private long seed = 1;
    private int regions = 2;
    private int clustersPerRegion = 3;
    private double containerShare = 0.3;
    private double runningShare = 0.35;
    private double pendingTransferShare = 0.01;
    private double tombstoneShare = 0.02;
    private boolean flush;
    private Instant now;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder redis(String url) {
      this.redisUrl = url;
      return this;
    }

    public Builder repls(int n) {
      this.repls = n;
      return this;
    }

    public Builder machines(int n) {
      this.machines = n;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder regions(int n) {
      this.regions = n;
      return this;
    }

    public Builder clustersPerRegion(int n) {
      this.clustersPerRegion = n;
      return this;
    }

    public Builder containerShare(double share) {
      this.containerShare = share;
      return this;
    }

    public Builder runningShare(double share) {
      this.runningShare = share;
      return this;
    }

    public Builder pendingTransferShare(double share) {
      this.pendingTransferShare = share;
      return this;
    }

    public Builder tombstoneShare(double share) {
      this.tombstoneShare = share;
      return this;
    }

    public Builder flush(boolean flush) {
      this.flush = flush;
      return this;
    }

    public Builder now(Instant now) {
      this.now = now;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public SeedOptions build() {
      if (redisUrl == null || redisUrl.isBlank()) {
        throw new IllegalArgumentException("say which Redis to seed: --redis redis://host:6379/0");
      }
      RedisScanReader.RedisTarget.parse(redisUrl, null);
      if (repls < 0) {
        throw new IllegalArgumentException("--repls must be >= 0, got " + repls);
      }
      if (machines < 0) {
        throw new IllegalArgumentException("--machines must be >= 0, got " + machines);
      }
      if (regions < 1 || clustersPerRegion < 1) {
        throw new IllegalArgumentException(
            "--regions and --clusters-per-region must be >= 1, got "
                + regions
                + " and "
                + clustersPerRegion);
      }
      share("containerShare", containerShare);
      share("runningShare", runningShare);
      share("pendingTransferShare", pendingTransferShare);
      share("tombstoneShare", tombstoneShare);
      if (repls > 99_999_999) {
        throw new IllegalArgumentException("--repls must be below 100000000, got " + repls);
      }
      return new SeedOptions(this);
    }

    private static void share(String name, double v) {
      if (!(v >= 0 && v <= 1)) {
        throw new IllegalArgumentException(name + " must be in 0..1, got " + v);
      }
    }
  }
}
