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
  private final String apiToken;
  private final int maxBodyBytes;
  private final Duration defaultDeadline;
  private final Map<String, Duration> deadlines;
  private final Duration defaultShadowTimeout;
  private final Map<String, Duration> shadowTimeouts;
  private final Duration shadowDeadline;
  private final int shadowBudget;
  private final int maxInFlightCalls;
  private final int callThreads;
  private final int shadowThreads;
  private final int authoritativeConnections;
  private final int shadowConnections;
  private final int ioThreads;
  private final int adminConcurrency;
  private final Duration idleTimeout;
  private final Duration requestReadTimeout;
  private final int maxConnections;
  private final Duration shutdownGrace;
  private final Clock clock;
  private final Supplier<String> idSupplier;
  private final String instanceId;

  private ProxyConfig(Builder b) {
    this.bindAddress = b.bindAddress;
    this.port = b.port;
    this.adminBindAddress = b.adminBindAddress;
    this.adminPort = b.adminPort;
    this.adminToken = b.adminToken;
    this.apiToken = b.apiToken;
    this.maxBodyBytes = b.maxBodyBytes;
    this.defaultDeadline = b.defaultDeadline;
    this.deadlines = Map.copyOf(b.deadlines);
    this.defaultShadowTimeout = b.defaultShadowTimeout;
    this.shadowTimeouts = Map.copyOf(b.shadowTimeouts);
    this.shadowDeadline = b.shadowDeadline;
    this.shadowBudget = b.shadowBudget;
    this.maxInFlightCalls = b.maxInFlightCalls;
    this.callThreads = b.callThreads;
    this.shadowThreads = b.shadowThreads;
    this.authoritativeConnections = b.authoritativeConnections;
    this.shadowConnections = b.shadowConnections;
    this.ioThreads = b.ioThreads;
    this.adminConcurrency = b.adminConcurrency;
    this.idleTimeout = b.idleTimeout;
    this.requestReadTimeout = b.requestReadTimeout;
    this.maxConnections = b.maxConnections;
    this.shutdownGrace = b.shutdownGrace;
    this.clock = b.clock;
    this.idSupplier = b.idSupplier;
    this.instanceId = b.instanceId;
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

  /** The bearer token {@code /v1/*} calls must carry, or null when the API is open. */
  String apiToken() {
    return apiToken;
  }

  public boolean hasApiToken() {
    return apiToken != null;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * The overall deadline of one call of {@code operation}: its own, else the default. A client may
   * shorten it (header {@code X-Timeout-Ms}), never lengthen it.
   */
  public Duration deadline(String operation) {
    return deadlines.getOrDefault(operation, defaultDeadline);
  }

  /** Operations with a deadline of their own. */
  public Map<String, Duration> deadlines() {
    return deadlines;
  }

  /** How long a shadow call may wait in its queue or lane before it is dropped unsent. */
  public Duration shadowDeadline() {
    return shadowDeadline;
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

  public int callThreads() {
    return callThreads;
  }

  public int shadowThreads() {
    return shadowThreads;
  }

  /**
   * The connection pool size the composition root gives each store's authoritative backend (the
   * proxy builds no backend itself; it only carries the number).
   */
  public int authoritativeConnections() {
    return authoritativeConnections;
  }

  /**
   * The connection pool size of each store's shadow backend (see {@link
   * #authoritativeConnections}).
   */
  public int shadowConnections() {
    return shadowConnections;
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

  /** The longest a request may take to arrive, from its first byte to its last. */
  public Duration requestReadTimeout() {
    return requestReadTimeout;
  }

  /** The most API connections open at once; more are answered 503 and closed. */
  public int maxConnections() {
    return maxConnections;
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

  /**
   * This instance's name among several behind one load balancer, sent back in the {@code
   * X-Served-By} header of every API answer; null when not set (no header).
   */
  public String instanceId() {
    return instanceId;
  }

  /** The instance id a proxy on {@code port} of this host goes by when none is configured. */
  public static String defaultInstanceId(int port) {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return host
        + ":"
        + (port != 0 ? Integer.toString(port) : "pid" + ProcessHandle.current().pid());
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
        + ", apiToken="
        + (apiToken == null ? "none" : "set")
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", deadline="
        + defaultDeadline
        + ", deadlines="
        + deadlines
        + ", shadowTimeout="
        + defaultShadowTimeout
        + ", shadowTimeouts="
        + shadowTimeouts
        + ", shadowDeadline="
        + shadowDeadline
        + ", shadowBudget="
        + shadowBudget
        + ", maxInFlightCalls="
        + maxInFlightCalls
        + ", callThreads="
        + callThreads
        + ", shadowThreads="
        + shadowThreads
        + ", authoritativeConnections="
        + authoritativeConnections
        + ", shadowConnections="
        + shadowConnections
        + ", ioThreads="
        + ioThreads
        + ", idleTimeout="
        + idleTimeout
        + ", requestReadTimeout="
        + requestReadTimeout
        + ", maxConnections="
        + maxConnections
        + ", shutdownGrace="
        + shutdownGrace
        + ", instanceId="
        + instanceId
        + "}";
  }

  /** Settings with defaults for everything but the admin token. */
  public static final class Builder {
    private String bindAddress = "0.0.0.0";
    private int port = 8080;
    private String adminBindAddress = "127.0.0.1";
    private int adminPort = 8081;
    private String adminToken;
    private String apiToken;
    private int maxBodyBytes = 1 << 20;
    private Duration defaultDeadline = Duration.ofSeconds(5);
    private final Map<String, Duration> deadlines = new LinkedHashMap<>();
    private Duration defaultShadowTimeout = Duration.ofSeconds(1);
    private final Map<String, Duration> shadowTimeouts = new LinkedHashMap<>();
    private Duration shadowDeadline = Duration.ofSeconds(10);
    private int shadowBudget = 1024;
    private int maxInFlightCalls = 1024;
    private int callThreads = 64;
    private int shadowThreads = 64;
    private int authoritativeConnections = 16;
    private int shadowConnections = 8;
    private int ioThreads = Runtime.getRuntime().availableProcessors();
    private int adminConcurrency = 8;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration requestReadTimeout = Duration.ofSeconds(10);
    private int maxConnections = 10_000;
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private Supplier<String> idSupplier = RANDOM_IDS;
    private String instanceId;

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

    /**
     * A bearer token every {@code /v1/*} call must carry ({@code Authorization: Bearer <token>};
     * 401 otherwise), at least 16 characters; null (the default) leaves the API open.
     */
    public Builder apiToken(String apiToken) {
      this.apiToken = apiToken;
      return this;
    }

    /**
     * The overall deadline of a call, from the moment the proxy has read it: a call not started by
     * then is answered 503 and never run; a call still running is answered 503 at the deadline and
     * its late result only reported. Default 5 s.
     */
    public Builder deadline(Duration deadline) {
      this.defaultDeadline = deadline;
      return this;
    }

    /** The deadline of one operation. */
    public Builder deadline(String operation, Duration deadline) {
      Objects.requireNonNull(operation, "operation");
      deadlines.put(operation, deadline);
      return this;
    }

    /**
     * How long a shadow call may wait (in the shadow pool's queue or behind earlier writes of its
     * entity) before it is dropped unsent and reported {@code dropped_deadline_exceeded}. Default
     * 10 s.
     */
    public Builder shadowDeadline(Duration shadowDeadline) {
      this.shadowDeadline = shadowDeadline;
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

    /**
     * Threads that run authoritative backend calls, which block; size it to the backends' own
     * connection pools. Default 64.
     */
    public Builder callThreads(int callThreads) {
      this.callThreads = callThreads;
      return this;
    }

    /**
     * Threads that run shadow calls; more calls than this wait in the shadow budget. Default 64.
     */
    public Builder shadowThreads(int shadowThreads) {
      this.shadowThreads = shadowThreads;
      return this;
    }

    /**
     * Connections of each store's authoritative backend, for the composition root that builds the
     * backends (see {@link DispatchServer.Builder#legacy(Backend, Backend)}). Default 16.
     */
    public Builder authoritativeConnections(int authoritativeConnections) {
      this.authoritativeConnections = authoritativeConnections;
      return this;
    }

    /**
     * Connections of each store's shadow backend, kept apart from the authoritative ones. Default
     * 8.
     */
    public Builder shadowConnections(int shadowConnections) {
      this.shadowConnections = shadowConnections;
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

    /**
     * The longest a request may take to arrive, from its first byte to its last (headers and body);
     * a slower one is answered 408 and its connection closed. Default 10 s.
     */
    public Builder requestReadTimeout(Duration requestReadTimeout) {
      this.requestReadTimeout = requestReadTimeout;
      return this;
    }

    /**
     * The most API connections open at once; a connection beyond it is answered 503 UNAVAILABLE and
     * closed. Default 10,000.
     */
    public Builder maxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
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

    /**
     * This instance's name (e.g. {@code host:port}): 1-128 printable ASCII characters without
     * spaces. Default none.
     */
    public Builder instanceId(String instanceId) {
      this.instanceId = instanceId;
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
          apiToken == null || apiToken.length() >= 16,
          "apiToken must be at least 16 characters, got "
              + (apiToken == null ? 0 : apiToken.length()));
      require(maxBodyBytes >= 1024, "maxBodyBytes must be at least 1024, got " + maxBodyBytes);
      checkPositive("deadline", defaultDeadline);
      deadlines.forEach((op, t) -> checkPositive("deadline of " + op, t));
      checkPositive("shadowTimeout", defaultShadowTimeout);
      shadowTimeouts.forEach((op, t) -> checkPositive("shadowTimeout of " + op, t));
      checkPositive("shadowDeadline", shadowDeadline);
      require(shadowBudget >= 1, "shadowBudget must be at least 1, got " + shadowBudget);
      require(
          maxInFlightCalls >= 1, "maxInFlightCalls must be at least 1, got " + maxInFlightCalls);
      require(callThreads >= 1, "callThreads must be at least 1, got " + callThreads);
      require(shadowThreads >= 1, "shadowThreads must be at least 1, got " + shadowThreads);
      require(
          authoritativeConnections >= 1,
          "authoritativeConnections must be at least 1, got " + authoritativeConnections);
      require(
          shadowConnections >= 1, "shadowConnections must be at least 1, got " + shadowConnections);
      require(ioThreads >= 1, "ioThreads must be at least 1, got " + ioThreads);
      require(
          adminConcurrency >= 1, "adminConcurrency must be at least 1, got " + adminConcurrency);
      checkPositive("idleTimeout", idleTimeout);
      checkPositive("requestReadTimeout", requestReadTimeout);
      require(maxConnections >= 1, "maxConnections must be at least 1, got " + maxConnections);
      require(
          shutdownGrace != null && !shutdownGrace.isNegative(),
          "shutdownGrace must be zero or more, got " + shutdownGrace);
      require(clock != null, "clock is required");
      require(idSupplier != null, "idSupplier is required");
      require(
          instanceId == null || ApiFront.validHeaderValue(instanceId),
          "instanceId must be 1-128 printable ASCII characters without spaces, got '"
              + instanceId
              + "'");
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
