package io.strangler.dispatch;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closes a connection whose request takes longer than a bound to arrive, from its first byte to
 * its last. The idle timeout alone lets a client that drips a byte every few seconds hold a
 * connection for ever (slow loris). One instance per connection, two handlers: {@link #bytes()},
 * before the HTTP decoder, starts the clock on a request's first bytes; {@link #requests()}, after
 * the body aggregator, stops it when the whole request is there. Event loop only.
 */
final class ReadDeadline {
  private final long timeoutNanos;
  private final LongAdder timeouts;
  private ScheduledFuture<?> running;

  ReadDeadline(long timeoutNanos, LongAdder timeouts) {
    this.timeoutNanos = timeoutNanos;
    this.timeouts = timeouts;
  }

  ChannelHandler bytes() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (running == null) {
          running = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
      }
    };
  }

  ChannelHandler requests() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
          stop();
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  private void stop() {
    if (running != null) {
      running.cancel(false);
      running = null;
    }
  }

  private void expire(ChannelHandlerContext ctx) {
    running = null;
    if (!ctx.channel().isActive()) {
      return;
    }
    timeouts.increment();
    // Written below the HTTP codec (it may be half way through a request), then closed.
    OrderedHttpHandler.refuse(
        ctx.channel(),
        HttpResponseStatus.REQUEST_TIMEOUT,
        ErrorCodes.INVALID_ARGUMENT,
        "the request did not arrive within " + timeoutNanos / 1_000_000 + " ms");
  }
}
