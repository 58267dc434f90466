package io.strangler.dispatch.bench;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor of phase (e): a bare HTTP front over one backend, what an HTTP proxy on this machine
 * cannot beat. The proxy's Netty settings (its event loop count, backlog, {@code TCP_NODELAY}, the
 * HTTP codec's limits and a body aggregator) and its strict JSON parse of the request, then the
 * operation's {@link ApiSpec#prepare} and one backend call, with the fewest hand-offs a front that
 * never blocks its event loop can have: the event loop hands the call to a backend thread, which
 * writes the answer (Netty takes it back to the event loop). No flags, no sink, no deadlines, no
 * ordering, no request ids beyond a counter.
 *
 * <p>With a second backend it is the floor of a dual mode, phase (f): the backend thread, once it
 * has written the first backend's answer, calls the second itself (no hand-off, no comparison).
 * With {@code secondOnItsOwnPool} (phase g) the second call goes to a pool of its own instead, as
 * the proxy's shadow calls do so that a stalled second store cannot hold the first one's threads:
 * (g) against (f) is what that one hand-off costs.
 */
final class BareFront implements AutoCloseable {
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final ApiRegistry apis;
  private final Backend backend;
  private final Backend second;
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor calls;
  private final ThreadPoolExecutor seconds; // null: the second call runs on the backend thread
  private final Channel channel;
  private final AtomicLong ids = new AtomicLong();
  private final java.util.concurrent.atomic.LongAdder skipped =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * Listens on a free port of 127.0.0.1 with {@code config}'s network settings; {@code second} (may
   * be null) is called after each answer is written.
   */
  BareFront(ApiRegistry apis, Backend backend, Backend second, ProxyConfig config)
      throws InterruptedException {
    this(apis, backend, second, false, config);
  }

  /** As above; {@code secondOnItsOwnPool}: the second call is handed to a pool of its own. */
  BareFront(
      ApiRegistry apis,
      Backend backend,
      Backend second,
      boolean secondOnItsOwnPool,
      ProxyConfig config)
      throws InterruptedException {
    this.apis = apis;
    this.backend = backend;
    this.second = second;
    this.acceptors =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("floor-accept"), NioIoHandler.newFactory());
    this.workers =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(), new DefaultThreadFactory("floor-io"), NioIoHandler.newFactory());
    this.calls = pool("floor-call-", config.callThreads(), config.maxInFlightCalls());
    this.seconds =
        secondOnItsOwnPool
            ? pool("floor-second-", config.shadowThreads(), config.shadowBudget())
            : null;
    int maxBody = config.maxBodyBytes();
    this.channel =
        new ServerBootstrap()
            .group(acceptors, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec(4096, 8192, 8192))
                        .addLast(new HttpObjectAggregator(maxBody))
                        .addLast(new Handler());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  private static ThreadPoolExecutor pool(String prefix, int threads, int queue) {
    ThreadPoolExecutor p =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(queue),
            Thread.ofPlatform().name(prefix, 0).daemon(true).factory(),
            new ThreadPoolExecutor.AbortPolicy());
    p.prestartAllCoreThreads();
    return p;
  }

  /** Second calls queued or running on their own pool (0 without one). */
  int secondCallsPending() {
    return seconds == null ? 0 : seconds.getQueue().size() + seconds.getActiveCount();
  }

  /** Second calls skipped because their pool's queue was full. */
  long secondCallsSkipped() {
    return skipped.sum();
  }

  int port() {
    return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String uri = request.uri();
      ApiSpec spec = uri.startsWith("/v1/") ? apis.find(uri.substring(4)).orElse(null) : null;
      if (spec == null) {
        ctx.writeAndFlush(response(HttpResponseStatus.NOT_FOUND, "{}"));
        return;
      }
      Prepared prepared;
      try {
        JsonNode body = STRICT.readTree(ByteBufUtil.getBytes(request.content()));
        prepared = spec.prepare(body);
      } catch (BadRequest e) {
        ctx.writeAndFlush(response(HttpResponseStatus.valueOf(e.httpStatus()), "{}"));
        return;
      } catch (java.io.IOException e) {
        ctx.writeAndFlush(response(HttpResponseStatus.BAD_REQUEST, "{}"));
        return;
      }
      Stamp stamp = new Stamp("floor-" + ids.incrementAndGet(), Instant.now());
      try {
        calls.execute(
            () -> {
              ctx.writeAndFlush(call(spec.name(), prepared, stamp));
              if (second == null) {
                return;
              }
              Runnable secondCall = () -> callSecond(spec.name(), prepared, stamp);
              if (seconds == null) {
                secondCall.run();
              } else {
                try {
                  seconds.execute(secondCall);
                } catch (RejectedExecutionException e) {
                  skipped.increment(); // full: skipped, as the proxy drops a shadow
                }
              }
            });
      } catch (RejectedExecutionException e) {
        ctx.writeAndFlush(response(HttpResponseStatus.SERVICE_UNAVAILABLE, "{}"));
      }
    }

    private void callSecond(String operation, Prepared prepared, Stamp stamp) {
      try {
        second.call(operation, prepared, stamp);
      } catch (RuntimeException e) {
        // the floor measures the work, not what the second backend answers
      }
    }

    private FullHttpResponse call(String operation, Prepared prepared, Stamp stamp) {
      try {
        return switch (backend.call(operation, prepared, stamp)) {
          case Reply.Ok ok -> response(HttpResponseStatus.OK, ok.bytes());
          case Reply.Failed f -> response(HttpResponseStatus.valueOf(f.httpStatus()), "{}");
        };
      } catch (RuntimeException e) {
        return response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "{}");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static FullHttpResponse response(HttpResponseStatus status, String body) {
    return response(status, body.getBytes(StandardCharsets.UTF_8));
  }

  private static FullHttpResponse response(HttpResponseStatus status, byte[] body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    calls.shutdownNow();
    if (seconds != null) {
      seconds.shutdownNow();
    }
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}
