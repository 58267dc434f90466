package io.strangler.importer;

import io.strangler.endpoints.PostgresEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What one import does, checked when built: build with {@link #builder()}; an invalid combination
 * fails with a message that says what to change.
 */
public final class ImportOptions {
  /** Where the legacy data comes from. */
  public sealed interface Source {
    /** An RDB file written by SAVE, BGSAVE or a backup tool. */
    record RdbFile(Path path) implements Source {
      public RdbFile {
        Objects.requireNonNull(path, "path");
      }

      @Override
      public String toString() {
        return path.toString();
      }
    }

    /** A live server holding the backup (restored from it): read with SCAN. */
    record LiveRedis(String url) implements Source {
      public LiveRedis {
        Objects.requireNonNull(url, "url");
      }

      @Override
      public String toString() {
        return url;
      }
    }
  }

  /** The share of rejected keys (percent) that fails an import no limit was given for. */
  public static final double DEFAULT_MAX_REJECT_SHARE = 1.0;

  /** How progress is shown. */
  public enum Progress {
    /** A bar on a terminal, log lines otherwise. */
    AUTO,
    BAR,
    LOG,
    NONE
  }

  private final Source source;
  private final int db;
  private final String postgresUrl;
  private final PostgresEndpoint postgres;
  private final ImportMode mode;
  private final Path rejectsFile;
  private final long maxRejects;
  private final double maxRejectShare;
  private final int verifySamples;
  private final double verifyThreshold;
  private final String verifyRedisUrl;
  private final long verifySeed;
  private final int maxDifferences;
  private final Progress progress;
  private final Clock clock;

  private ImportOptions(Builder b) {
    this.source = b.source;
    this.postgresUrl = b.postgresUrl;
    this.postgres = b.postgres;
    this.mode = b.mode;
    this.rejectsFile = b.rejectsFile;
    this.maxRejects = b.maxRejects;
    // The default share guards an import no one set a limit for; a limit given replaces it.
    this.maxRejectShare =
        b.maxRejectShare != null
            ? b.maxRejectShare
            : b.maxRejects >= 0 ? -1 : DEFAULT_MAX_REJECT_SHARE;
    this.verifySamples = b.verifySamples;
    this.verifyThreshold = b.verifyThreshold;
    this.verifySeed = b.verifySeed;
    this.maxDifferences = b.maxDifferences;
    this.progress = b.progress;
    this.clock = b.clock;
    if (source instanceof Source.LiveRedis live) {
      RedisScanReader.RedisTarget t = RedisScanReader.RedisTarget.parse(live.url(), b.db);
      this.db = t.db();
      this.verifyRedisUrl = b.verifyRedisUrl != null ? b.verifyRedisUrl : t.uri();
    } else {
      this.db = b.db == null ? 0 : b.db;
      this.verifyRedisUrl = b.verifyRedisUrl;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Source source() {
    return source;
  }

  /** The Redis logical database imported. */
  public int db() {
    return db;
  }

  public String postgresUrl() {
    return postgresUrl;
  }

  PostgresEndpoint postgres() {
    return postgres;
  }

  public ImportMode mode() {
    return mode;
  }

  /** The JSONL file rejects are written to, or null. */
  public Path rejectsFile() {
    return rejectsFile;
  }

  /** The most rejects allowed before the import fails, or -1 for no limit. */
  public long maxRejects() {
    return maxRejects;
  }

  /**
   * The most rejects allowed, in percent of the keys read, before the import fails; -1 for no such
   * limit. {@value #DEFAULT_MAX_REJECT_SHARE} unless a share or {@link #maxRejects()} is given.
   */
  public double maxRejectShare() {
    return maxRejectShare;
  }

  /** Repls sampled for verification; 0 to skip it. */
  public int verifySamples() {
    return verifySamples;
  }

  /** The parity (percent) below which verification fails. */
  public double verifyThreshold() {
    return verifyThreshold;
  }

  /** The Redis holding the legacy data the verification reads, or null. */
  public String verifyRedisUrl() {
    return verifyRedisUrl;
  }

  public long verifySeed() {
    return verifySeed;
  }

  /** How many differences the verification report keeps. */
  public int maxDifferences() {
    return maxDifferences;
  }

  public Progress progress() {
    return progress;
  }

  public Clock clock() {
    return clock;
  }

  /** The --postgres URL as an endpoint; a message saying what is expected if it is none. */
  static PostgresEndpoint parsePostgres(String url) {
    try {
      return PostgresEndpoint.parse(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--postgres: expected postgresql://user@host:5432/db or"
              + " jdbc:postgresql://host:5432/db, got '"
              + url
              + "'",
          e);
    }
  }

  /** Collects options; {@link #build()} checks them. */
  public static final class Builder {
    private Source source;
    private Integer db;
    private String postgresUrl;
    private PostgresEndpoint postgres;
    private ImportMode mode = ImportMode.EMPTY;
    private Path rejectsFile;
    private long maxRejects = -1;
    private Double maxRejectShare;
    private int verifySamples;
    private double verifyThreshold = 100.0;
    private String verifyRedisUrl;
    private long verifySeed = 1;
    private int maxDifferences = 10;
    private Progress progress = Progress.AUTO;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder rdb(Path file) {
      this.source = new Source.RdbFile(file);
      return this;
    }

    public Builder redis(String url) {
      this.source = new Source.LiveRedis(url);
      return this;
    }

    /** The Redis logical database to import; default 0, or the one in the --redis URL. */
    public Builder db(Integer db) {
      this.db = db;
      return this;
    }

    /** {@code postgresql://user@host:port/db} or {@code jdbc:postgresql://host:port/db}. */
    public Builder postgres(String url) {
      this.postgresUrl = url;
      return this;
    }

    /** The database as the test servers give it (with credentials). */
    public Builder postgres(PostgresEndpoint endpoint) {
      this.postgres = endpoint;
      this.postgresUrl = endpoint == null ? null : endpoint.jdbcUrl();
      return this;
    }

    public Builder mode(ImportMode mode) {
      this.mode = mode;
      return this;
    }

    public Builder rejectsFile(Path file) {
      this.rejectsFile = file;
      return this;
    }

    /** Fail the import (changing nothing) when more than {@code n} records are rejected. */
    public Builder maxRejects(long n) {
      this.maxRejects = n;
      return this;
    }

    /**
     * Fail the import (changing nothing) when rejects pass {@code percent} of the keys read; {@code
     * null} for the default ({@value ImportOptions#DEFAULT_MAX_REJECT_SHARE} unless {@link
     * #maxRejects} is given), 100 for no such limit.
     */
    public Builder maxRejectShare(Double percent) {
      this.maxRejectShare = percent;
      return this;
    }

    public Builder verify(int samples) {
      this.verifySamples = samples;
      return this;
    }

    public Builder verifyThreshold(double percent) {
      this.verifyThreshold = percent;
      return this;
    }

    public Builder verifyRedis(String url) {
      this.verifyRedisUrl = url;
      return this;
    }

    public Builder verifySeed(long seed) {
      this.verifySeed = seed;
      return this;
    }

    public Builder maxDifferences(int n) {
      this.maxDifferences = n;
      return this;
    }

    public Builder progress(Progress progress) {
      this.progress = progress;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public ImportOptions build() {
      if (source == null) {
        throw new IllegalArgumentException(
            "say where the legacy data is: --rdb FILE (a backup) or --redis URL (a live server)");
      }
      if (postgresUrl == null || postgresUrl.isBlank()) {
        throw new IllegalArgumentException(
            "say where the control plane is: --postgres postgresql://user@host:5432/db");
      }
      if (postgres == null) {
        postgres = parsePostgres(postgresUrl);
      }
      if (source instanceof Source.RdbFile f) {
        if (Files.isDirectory(f.path())) {
          throw new IllegalArgumentException(
              "--rdb: " + f.path() + " is a directory; give the RDB file in it (often dump.rdb)");
        }
        if (!Files.exists(f.path())) {
          throw new IllegalArgumentException("--rdb: no such file: " + f.path());
        }
        if (!Files.isRegularFile(f.path()) || !Files.isReadable(f.path())) {
          throw new IllegalArgumentException(
              "--rdb: " + f.path() + " is not a readable file (check its type and permissions)");
        }
      }
      if (db != null && (db < 0 || db > 15_999)) {
        throw new IllegalArgumentException("--db must be a logical database number, got " + db);
      }
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(progress, "progress");
      Objects.requireNonNull(clock, "clock");
      if (maxRejects < -1) {
        throw new IllegalArgumentException("--max-rejects must be >= 0, got " + maxRejects);
      }
      if (maxRejectShare != null && !(maxRejectShare >= 0 && maxRejectShare <= 100)) {
        throw new IllegalArgumentException(
            "--max-reject-share is a percentage in 0..100, got " + maxRejectShare);
      }
      if (verifySamples < 0) {
        throw new IllegalArgumentException("--verify must be >= 0, got " + verifySamples);
      }
      if (!(verifyThreshold >= 0 && verifyThreshold <= 100)) {
        throw new IllegalArgumentException(
            "--verify-threshold is a percentage in 0..100, got " + verifyThreshold);
      }
      if (maxDifferences < 0) {
        throw new IllegalArgumentException("maxDifferences must be >= 0, got " + maxDifferences);
      }
      if (verifySamples > 0 && source instanceof Source.RdbFile && verifyRedisUrl == null) {
        throw new IllegalArgumentException(
            "--verify compares with the legacy reads, which need a Redis holding the same data:"
                + " with --rdb, also give --verify-redis URL (a server restored from the same"
                + " backup), or import with --redis URL instead");
      }
      if (source instanceof Source.LiveRedis live) {
        RedisScanReader.RedisTarget.parse(live.url(), db);
      }
      if (verifyRedisUrl != null) {
        RedisScanReader.RedisTarget.parse(verifyRedisUrl, null);
      }
      return new ImportOptions(this);
    }
  }
}
