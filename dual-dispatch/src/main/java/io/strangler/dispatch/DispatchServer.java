package io.strangler.dispatch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.strangler.flags.Flags;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dual-dispatch proxy: serves a registered API as {@code POST /v1/{operation}} on one port,
 * dispatching every call to a legacy and a new {@link Backend} as the {@link Flags} decide, and
 * admin routes on another port behind a bearer token.
 *
 * <pre>{@code
 * DispatchServer server = DispatchServer.builder(config)
 *     .apis(registry).flags(flags).legacy(legacyBackend).newer(newBackend)
 *     .sink(sink).admin(adminRoutes)
 *     .start();
 * }</pre>
 *
 * <p>{@link #close()} drains: it stops accepting, lets calls in flight and queued shadow calls
 * finish (at most {@link ProxyConfig#shutdownGrace()}), then closes every connection.
 */
public final class DispatchServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DispatchServer.class);

  private final ProxyConfig config;
  private final Dispatcher dispatcher;
  private final ApiFront api;
  private final AdminFront admin;
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final ChannelGroup connections =
      new DefaultChannelGroup("dispatch-connections", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger openConnections = new AtomicInteger();
  private final LongAdder refusedConnections = new LongAdder();
  private final LongAdder readTimeouts = new LongAdder();
  private Channel apiChannel;
  private Channel adminChannel;
  private final Object closeLock = new Object();
  private boolean closed;

  private DispatchServer(Builder b) {
    this.config = b.config;
    Map<String, Dispatcher.Route> routes = new LinkedHashMap<>();
    for (ApiSpec spec : b.apis.all()) {
      routes.put(
          spec.name(),
          new Dispatcher.Route(
              spec, config.shadowTimeout(spec.name()), config.deadline(spec.name())));
    }
    this.dispatcher =
        new Dispatcher(
            new Dispatcher.Backends(b.legacy, b.legacyShadow, b.newer, b.newerShadow),
            b.sink,
            config.maxInFlightCalls(),
            config.callThreads(),
            config.shadowBudget(),
            config.shadowThreads(),
            config.shadowDeadline());
    this.api =
        new ApiFront(
            routes,
            b.flags,
            dispatcher,
            config.clock(),
            config.idSupplier(),
            config.apiToken(),
            config.instanceId(),
            // Requests in flight until their answer is written: one at a time per open connection,
            // plus those whose connection went away while their call runs. Only clients that
            // pipeline without reading their answers can reach the bound.
            (int)
                Math.min(
                    Integer.MAX_VALUE, (long) config.maxConnections() + config.maxInFlightCalls()));
    AdminRoutes adminRoutes =
        AdminRoutes.builder()
            .add(b.admin)
            .get("/admin/dispatch", r -> AdminResponse.ok(statsJson()))
            .build();
    this.admin = new AdminFront(adminRoutes, config.adminToken(), config.adminConcurrency());
    this.acceptors =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("dispatch-accept"), NioIoHandler.newFactory());
    this.workers =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(), new DefaultThreadFactory("dispatch-io"), NioIoHandler.newFactory());
  }

  public static Builder builder(ProxyConfig config) {
    return new Builder(config);
  }

  private void bind() {
    int maxBody = config.maxBodyBytes();
    int idleSeconds = (int) Math.max(1, config.idleTimeout().toSeconds());
    apiChannel =
        bind(
            "API",
            config.bindAddress(),
            config.port(),
            new Initializer(maxBody, idleSeconds, config.maxConnections(), api::newHandler));
    adminChannel =
        bind(
            "admin",
            config.adminBindAddress(),
            config.adminPort(),
            new Initializer(64 * 1024, idleSeconds, Integer.MAX_VALUE, admin::newHandler));
    log.info(
        "proxy serving on {}, admin on {} ({})",
        apiChannel.localAddress(),
        adminChannel.localAddress(),
        config);
  }

  private Channel bind(String what, String host, int port, ChannelInitializer<SocketChannel> init) {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(acceptors, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(init);
    try {
      return b.bind(host, port).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding the " + what + " port", e);
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot listen for the " + what + " port on " + host + ":" + port + ": " + e.getMessage(),
          e);
    }
  }

  private final class Initializer extends ChannelInitializer<SocketChannel> {
    private final int maxBody;
    private final int idleSeconds;
    private final int maxConnections;
    private final Supplier<OrderedHttpHandler> handlers;

    /** {@code maxConnections} of {@code Integer.MAX_VALUE}: not limited (the admin port). */
    Initializer(
        int maxBody, int idleSeconds, int maxConnections, Supplier<OrderedHttpHandler> handlers) {
      this.maxBody = maxBody;
      this.idleSeconds = idleSeconds;
      this.maxConnections = maxConnections;
      this.handlers = handlers;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
      connections.add(ch);
      if (maxConnections != Integer.MAX_VALUE) {
        if (openConnections.incrementAndGet() > maxConnections) {
          openConnections.decrementAndGet();
          refusedConnections.increment();
          OrderedHttpHandler.refuse(
              ch,
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              ErrorCodes.UNAVAILABLE,
              "the proxy has its maximum of " + maxConnections + " connections open");
          return;
        }
        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
      }
      ReadDeadline reading = new ReadDeadline(config.requestReadTimeout().toNanos(), readTimeouts);
      ch.pipeline()
          .addLast(new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
          .addLast(reading.bytes())
          .addLast(new HttpServerCodec(4096, 8192, 8192))
          .addLast(new JsonBodyAggregator(maxBody))
          .addLast(reading.requests())
          .addLast(handlers.get());
    }
  }

  /** The address the API port listens on (with the port picked when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) apiChannel.localAddress();
  }

  public int port() {
    return address().getPort();
  }

  public InetSocketAddress adminAddress() {
    return (InetSocketAddress) adminChannel.localAddress();
  }

  public int adminPort() {
    return adminAddress().getPort();
  }

  /**
   * The shadow calls this server holds per entity, queued or running, for a repairer to wait for
   * (docs/convergence.md, "Queued shadow writes").
   */
  public PendingShadowWrites pendingShadowWrites() {
    return dispatcher::pendingInLane;
  }

  public DispatchStats stats() {
    return dispatcher.stats(
        new DispatchStats.Connections(
            openConnections.get(),
            config.maxConnections(),
            refusedConnections.sum(),
            readTimeouts.sum()));
  }

  private ObjectNode statsJson() {
    DispatchStats s = stats();
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("requestsInFlight", api.requestsInFlight());
    n.put("callsInFlight", s.callsInFlight());
    n.put("maxCallsInFlight", s.maxCallsInFlight());
    n.put("shadowCallsPending", s.shadowCallsPending());
    n.put("shadowBudget", s.shadowBudget());
    n.put("busyEntities", s.busyEntities());
    n.put("overloaded", s.overloaded());
    n.put("deadlineExpired", s.deadlineExpired());
    n.put("deadlineAnswered", s.deadlineAnswered());
    n.put("shadowDropped", s.shadowDropped());
    n.put("shadowNotSent", s.shadowNotSent());
    n.put("shadowTimedOut", s.shadowTimedOut());
    n.put("shadowExpired", s.shadowExpired());
    n.put("sinkFailures", s.sinkFailures());
    ObjectNode c = n.putObject("connections");
    c.put("open", s.connections().open());
    c.put("max", s.connections().max());
    c.put("refused", s.connections().refused());
    c.put("readTimeouts", s.connections().readTimeouts());
    return n;
  }

  /**
   * Answers {@code /readyz} with 503 from now on while still serving every call: the first step of
   * a graceful drain, so that a load balancer health-checking {@code /readyz} stops sending calls
   * here before {@link #shutdown} stops taking them.
   */
  public void stopReadiness() {
    api.stopReadiness();
  }

  /** {@link #shutdown(Duration)} with the configured grace. */
  @Override
  public void close() {
    shutdown(config.shutdownGrace());
  }

  /**
   * Stops accepting connections and requests, waits at most {@code grace} for calls in flight and
   * pending shadow calls, then closes every connection and thread. Idempotent.
   *
   * @return true if everything finished within the grace
   */
  public boolean shutdown(Duration grace) {
    synchronized (closeLock) {
      if (closed) {
        return true;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + grace.toNanos();
    api.startDraining();
    admin.startDraining();
    apiChannel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    adminChannel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    boolean clean = api.awaitRequests(left(deadline));
    clean &= dispatcher.awaitIdle(left(deadline));
    if (!clean) {
      log.warn(
          "shutting down with work left after {}: requests in flight {}, {}",
          grace,
          api.requestsInFlight(),
          dispatcher.describeBounds());
    }
    connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    dispatcher.close();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    log.info("proxy stopped{}", clean ? "" : " (with work left)");
    return clean;
  }

  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  /** Wires a proxy; every part is required but the sink (no-op) and admin routes (none). */
  public static final class Builder {
    private final ProxyConfig config;
    private ApiRegistry apis;
    private Flags flags;
    private Backend legacy;
    private Backend legacyShadow;
    private Backend newer;
    private Backend newerShadow;
    private OutcomeSink sink = OutcomeSink.noop();
    private AdminRoutes admin = AdminRoutes.empty();

    private Builder(ProxyConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    public Builder apis(ApiRegistry apis) {
      this.apis = apis;
      return this;
    }

    public Builder flags(Flags flags) {
      this.flags = flags;
      return this;
    }

    /** The legacy backend, for both its authoritative and its shadow calls. */
    public Builder legacy(Backend legacy) {
      return legacy(legacy, legacy);
    }

    /**
     * The legacy backend as two instances: one for its authoritative calls, one for its shadow
     * calls (a bulkhead: give each its own connection pool, so a stalled shadow side cannot take
     * the authoritative side's connections).
     */
    public Builder legacy(Backend authoritative, Backend shadow) {
      this.legacy = authoritative;
      this.legacyShadow = shadow;
      return this;
    }

    /** The new backend, for both its authoritative and its shadow calls. */
    public Builder newer(Backend newer) {
      return newer(newer, newer);
    }

    /** The new backend as two instances, as {@link #legacy(Backend, Backend)}. */
    public Builder newer(Backend authoritative, Backend shadow) {
      this.newer = authoritative;
      this.newerShadow = shadow;
      return this;
    }

    public Builder sink(OutcomeSink sink) {
      this.sink = sink;
      return this;
    }

    public Builder admin(AdminRoutes admin) {
      this.admin = admin;
      return this;
    }

    /** Binds both ports and starts serving. */
    public DispatchServer start() {
      require(apis != null, "apis (the ApiRegistry to serve) are required");
      require(flags != null, "flags are required");
      require(legacy != null, "the legacy backend is required");
      require(legacyShadow != null, "the legacy shadow backend must not be null");
      require(newer != null, "the new backend is required");
      require(newerShadow != null, "the new shadow backend must not be null");
      require(sink != null, "sink must not be null (use OutcomeSink.noop())");
      require(admin != null, "admin routes must not be null (use AdminRoutes.empty())");
      for (String op : config.shadowTimeouts().keySet()) {
        require(
            apis.find(op).isPresent(),
            "a shadow timeout is set for '"
                + op
                + "', which is not an operation of the API "
                + apis.names());
      }
      for (String op : config.deadlines().keySet()) {
        require(
            apis.find(op).isPresent(),
            "a deadline is set for '"
                + op
                + "', which is not an operation of the API "
                + apis.names());
      }
      DispatchServer server = new DispatchServer(this);
      try {
        server.bind();
      } catch (RuntimeException e) {
        server.workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        server.acceptors.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        server.dispatcher.close();
        if (server.apiChannel != null) {
          server.apiChannel.close();
        }
        throw e;
      }
      return server;
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
