package io.strangler.dispatch;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection that answers its requests in order: a request is served only when the
 * previous one has been answered, so responses that are produced on other threads cannot overtake
 * each other. Pipelined requests wait in a short queue; a client that pipelines more is cut off.
 *
 * <p>All state is touched on the channel's event loop only; {@link Pending#send} may be called from
 * any thread and hops back to it.
 */
abstract class OrderedHttpHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(OrderedHttpHandler.class);
  private static final int MAX_PIPELINED = 16;

  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
  private boolean busy;
  private ChannelHandlerContext ctx;

  /** Serves one request; answers through {@code pending}, now or later, exactly once. */
  abstract void serve(FullHttpRequest request, Pending pending);

  /** False while the server drains: every response then closes its connection. */
  abstract boolean keepAliveAllowed();

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (busy) {
      if (waiting.size() >= MAX_PIPELINED) {
        request.release();
        ctx.close();
      } else {
        waiting.addLast(request);
      }
      return;
    }
    start(request);
  }

  private void start(FullHttpRequest request) {
    busy = true;
    Pending pending = new Pending(HttpUtil.isKeepAlive(request));
    try {
      serve(request, pending);
    } catch (RuntimeException e) {
      log.warn("failed to serve {} {}", request.method(), request.uri(), e);
      pending.send(
          response(
              HttpResponseStatus.INTERNAL_SERVER_ERROR,
              Json.bytes(Json.error(ErrorCodes.INTERNAL, "the proxy failed: " + e))));
    } finally {
      request.release();
    }
  }

  private void finish(Pending pending, FullHttpResponse response) {
    boolean keepAlive = pending.keepAlive && keepAliveAllowed() && ctx.channel().isActive();
    HttpUtil.setKeepAlive(response, keepAlive);
    ChannelFuture written = ctx.writeAndFlush(response);
    if (pending.afterWrite != null) {
      Runnable after = pending.afterWrite;
      written.addListener(f -> after.run());
    }
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
      releaseWaiting();
      return;
    }
    busy = false;
    FullHttpRequest next = waiting.pollFirst();
    if (next != null) {
      start(next);
    }
  }

  private void releaseWaiting() {
    FullHttpRequest r;
    while ((r = waiting.pollFirst()) != null) {
      r.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    releaseWaiting();
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      if (!busy) {
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("closing connection from {}", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }

  static FullHttpResponse response(HttpResponseStatus status, byte[] json) {
    return response(status, json, HttpHeaderValues.APPLICATION_JSON);
  }

  static FullHttpResponse response(HttpResponseStatus status, byte[] body, CharSequence type) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  /**
   * Answers a connection with an error below the HTTP codec and ends it: the response is written as
   * raw bytes, the output shut down, and whatever the client still sends is read and dropped until
   * it closes (at most a second), so that closing does not reset the connection before the client
   * has read the answer.
   */
  static void refuse(Channel channel, HttpResponseStatus status, String code, String message) {
    byte[] body = Json.bytes(Json.error(code, message));
    byte[] head =
        ("HTTP/1.1 "
                + status.code()
                + " "
                + status.reasonPhrase()
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    ChannelPipeline p = channel.pipeline();
    // Only a sink stays: the client's bytes are no request any more.
    while (p.last() != null) {
      p.removeLast();
    }
    p.addLast(
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
          }
        });
    channel
        .writeAndFlush(Unpooled.wrappedBuffer(head, body))
        .addListener(
            f -> {
              if (channel instanceof SocketChannel s) {
                s.shutdownOutput();
              }
              channel.eventLoop().schedule(() -> channel.close(), 1, TimeUnit.SECONDS);
            });
  }

  static FullHttpResponse error(int status, String code, String message) {
    return response(HttpResponseStatus.valueOf(status), Json.bytes(Json.error(code, message)));
  }

  /** The answer to one request, to be sent once, from any thread. */
  final class Pending {
    private final boolean keepAlive;
    private final AtomicBoolean sent = new AtomicBoolean();
    private Runnable afterWrite;

    private Pending(boolean keepAlive) {
      this.keepAlive = keepAlive;
    }

    /** Runs once the response is written (or failed to be); set before {@link #send}. */
    void afterWrite(Runnable action) {
      this.afterWrite = action;
    }

    void send(FullHttpResponse response) {
      if (!sent.compareAndSet(false, true)) {
        response.release();
        throw new IllegalStateException("a request was answered twice");
      }
      if (ctx.executor().inEventLoop()) {
        finish(this, response);
      } else {
        ctx.executor().execute(() -> finish(this, response));
      }
    }
  }
}
