package io.strangler.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The proxy's settings: immutable, checked when built. Every bound the proxy keeps (body size,
 * calls in flight, shadow budget, timeouts) is set here.
 */
public final class ProxyConfig {
  /** A new random request id (a version-4 UUID) for calls that come without one. */
  public static final Supplier<String> RANDOM_IDS =
      () -> {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
      };

  private final String bindAddress;
  private final int port;
  private final String adminBindAddress;
  private final int adminPort;
  private final String adminToken;
  private final int maxBodyBytes;
  private final Duration defaultShadowTimeout;
  private final Map<String, Duration> shadowTimeouts;
  private final int shadowBudget;
  private final int maxInFlightCalls;
  private final int ioThreads;
  private final int adminConcurrency;
  private final Duration idleTimeout;
  private final Duration shutdownGrace;
  private final Clock clock;
  private final Supplier<String> idSupplier;

  private ProxyConfig(Builder b) {
    this.bindAddress = b.bindAddress;
    this.port = b.port;
    this.adminBindAddress = b.adminBindAddress;
    this.adminPort = b.adminPort;
    this.adminToken = b.adminToken;
    this.maxBodyBytes = b.maxBodyBytes;
    this.defaultShadowTimeout = b.defaultShadowTimeout;
    this.shadowTimeouts = Map.copyOf(b.shadowTimeouts);
    this.shadowBudget = b.shadowBudget;
    this.maxInFlightCalls = b.maxInFlightCalls;
    this.ioThreads = b.ioThreads;
    this.adminConcurrency = b.adminConcurrency;
    this.idleTimeout = b.idleTimeout;
    this.shutdownGrace = b.shutdownGrace;
    this.clock = b.clock;
    this.idSupplier = b.idSupplier;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String bindAddress() {
    return bindAddress;
  }

  /** The API port; 0 picks a free one (see {@link DispatchServer#port()}). */
  public int port() {
    return port;
  }

  public String adminBindAddress() {
    return adminBindAddress;
  }

  /** The admin port; 0 picks a free one. */
  public int adminPort() {
    return adminPort;
  }

  String adminToken() {
    return adminToken;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** The shadow timeout of one operation: its own, else the default. */
  public Duration shadowTimeout(String operation) {
    return shadowTimeouts.getOrDefault(operation, defaultShadowTimeout);
  }

  /** Operations with a shadow timeout of their own. */
  public Map<String, Duration> shadowTimeouts() {
    return shadowTimeouts;
  }

  public int shadowBudget() {
    return shadowBudget;
  }

  public int maxInFlightCalls() {
    return maxInFlightCalls;
  }

  public int ioThreads() {
    return ioThreads;
  }

  public int adminConcurrency() {
    return adminConcurrency;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  public Clock clock() {
    return clock;
  }

  public Supplier<String> idSupplier() {
    return idSupplier;
  }

  @Override
  public String toString() {
    return "ProxyConfig{bind="
        + bindAddress
        + ":"
        + port
        + ", admin="
        + adminBindAddress
        + ":"
        + adminPort
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", shadowTimeout="
        + defaultShadowTimeout
        + ", shadowTimeouts="
        + shadowTimeouts
        + ", shadowBudget="
        + shadowBudget
        + ", maxInFlightCalls="
        + maxInFlightCalls
        + ", ioThreads="
        + ioThreads
        + ", idleTimeout="
        + idleTimeout
        + ", shutdownGrace="
        + shutdownGrace
        + "}";
  }

  /** Settings with defaults for everything but the admin token. */
  public static final class Builder {
    private String bindAddress = "0.0.0.0";
    private int port = 8080;
    private String adminBindAddress = "127.0.0.1";
    private int adminPort = 8081;
    private String adminToken;
    private int maxBodyBytes = 1 << 20;
    private Duration defaultShadowTimeout = Duration.ofSeconds(1);
    private final Map<String, Duration> shadowTimeouts = new LinkedHashMap<>();
    private int shadowBudget = 1024;
    private int maxInFlightCalls = 1024;
    private int ioThreads = Runtime.getRuntime().availableProcessors();
    private int adminConcurrency = 8;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private Supplier<String> idSupplier = RANDOM_IDS;

    private Builder() {}

    /** The address the API port listens on; default {@code 0.0.0.0}. */
    public Builder bindAddress(String bindAddress) {
      this.bindAddress = bindAddress;
      return this;
    }

    /** Default 8080; 0 picks a free port. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The address the admin port listens on; default {@code 127.0.0.1}. */
    public Builder adminBindAddress(String adminBindAddress) {
      this.adminBindAddress = adminBindAddress;
      return this;
    }

    /** Default 8081; 0 picks a free port. */
    public Builder adminPort(int adminPort) {
      this.adminPort = adminPort;
      return this;
    }

    /** The bearer token every admin call must carry. Required, at least 16 characters. */
    public Builder adminToken(String adminToken) {
      this.adminToken = adminToken;
      return this;
    }

    /** The largest request body accepted; larger ones get 413. Default 1 MiB. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** How long a shadow call may take before it is reported timed out. Default 1 s. */
    public Builder shadowTimeout(Duration timeout) {
      this.defaultShadowTimeout = timeout;
      return this;
    }

    /** The shadow timeout of one operation. */
    public Builder shadowTimeout(String operation, Duration timeout) {
      Objects.requireNonNull(operation, "operation");
      shadowTimeouts.put(operation, timeout);
      return this;
    }

    /**
     * The most shadow calls running or queued at once; more are dropped and counted. A timed-out
     * shadow call holds its place until it really returns. Default 1024.
     */
    public Builder shadowBudget(int shadowBudget) {
      this.shadowBudget = shadowBudget;
      return this;
    }

    /**
     * The most authoritative calls in flight; more are answered 503 UNAVAILABLE at once. Default
     * 1024.
     */
    public Builder maxInFlightCalls(int maxInFlightCalls) {
      this.maxInFlightCalls = maxInFlightCalls;
      return this;
    }

    /** Network threads; default one per processor. They never block. */
    public Builder ioThreads(int ioThreads) {
      this.ioThreads = ioThreads;
      return this;
    }

    /** Admin calls running at once; more get 503. Default 8. */
    public Builder adminConcurrency(int adminConcurrency) {
      this.adminConcurrency = adminConcurrency;
      return this;
    }

    /** A connection idle this long is closed. Default 60 s. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /** How long shutdown waits for calls in flight and pending shadow writes. Default 10 s. */
    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    /** The clock that stamps {@code now} on every call. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Where request ids come from for calls without {@code X-Request-Id}. */
    public Builder idSupplier(Supplier<String> idSupplier) {
      this.idSupplier = idSupplier;
      return this;
    }

    public ProxyConfig build() {
      require(bindAddress != null && !bindAddress.isBlank(), "bindAddress is required");
      require(
          adminBindAddress != null && !adminBindAddress.isBlank(), "adminBindAddress is required");
      checkPort("port", port);
      checkPort("adminPort", adminPort);
      require(
          port == 0 || port != adminPort || !bindAddress.equals(adminBindAddress),
          "port and adminPort are both " + port + " on " + bindAddress + ": give them two ports");
      require(
          adminToken != null && !adminToken.isBlank(),
          "adminToken is required: the admin port can change flags, so it needs a bearer token");
      require(
          adminToken.length() >= 16,
          "adminToken must be at least 16 characters, got " + adminToken.length());
      require(
          maxBodyBytes >= 1024,
          "maxBodyBytes must be at least 1024, got " + maxBodyBytes);
      checkPositive("shadowTimeout", defaultShadowTimeout);
      shadowTimeouts.forEach((op, t) -> checkPositive("shadowTimeout of " + op, t));
      require(shadowBudget >= 1, "shadowBudget must be at least 1, got " + shadowBudget);
      require(
          maxInFlightCalls >= 1, "maxInFlightCalls must be at least 1, got " + maxInFlightCalls);
      require(ioThreads >= 1, "ioThreads must be at least 1, got " + ioThreads);
      require(
          adminConcurrency >= 1, "adminConcurrency must be at least 1, got " + adminConcurrency);
      checkPositive("idleTimeout", idleTimeout);
      require(
          shutdownGrace != null && !shutdownGrace.isNegative(),
          "shutdownGrace must be zero or more, got " + shutdownGrace);
      require(clock != null, "clock is required");
      require(idSupplier != null, "idSupplier is required");
      return new ProxyConfig(this);
    }

    private static void checkPort(String name, int port) {
      require(
          port >= 0 && port <= 65535,
          name + " must be 0..65535 (0 picks a free port), got " + port);
    }

    private static void checkPositive(String name, Duration d) {
      require(d != null && d.isPositive(), name + " must be positive, got " + d);
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
