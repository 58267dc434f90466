package io.strangler.dispatch;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closes a connection whose request takes longer than a bound to arrive, from its first byte to its
 * last. The idle timeout alone lets a client that drips a byte every few seconds hold a connection
 * for ever (slow loris). One instance per connection, two handlers: {@link #bytes()}, before the
 * HTTP decoder, starts the clock on a request's first bytes; {@link #requests()}, after the body
 * aggregator, stops it when the whole request is there. Event loop only.
 *
 * <p>A timer is set only for a request still incomplete when a read ends: a request that arrives in
 * one read (nearly all of them) costs two clock reads and no timer.
 */
final class ReadDeadline {
  private final long timeoutNanos;
  private final LongAdder timeouts;
  private boolean reading;
  private long readingSince;
  private ScheduledFuture<?> running;

  ReadDeadline(long timeoutNanos, LongAdder timeouts) {
    this.timeoutNanos = timeoutNanos;
    this.timeouts = timeouts;
  }

  ChannelHandler bytes() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!reading) {
          reading = true;
          readingSince = System.nanoTime();
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelReadComplete(ChannelHandlerContext ctx) {
        if (reading && running == null) {
          long left = timeoutNanos - (System.nanoTime() - readingSince);
          running = ctx.executor().schedule(() -> expire(ctx), left, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelReadComplete();
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
    reading = false;
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
