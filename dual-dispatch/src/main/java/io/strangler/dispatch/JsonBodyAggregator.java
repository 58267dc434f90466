package io.strangler.dispatch;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's aggregator, answering an oversized body with the contract's error JSON (413). As in
 * Netty, a keep-alive connection stays open and the rest of the body is skipped.
 */
final class JsonBodyAggregator extends HttpObjectAggregator {
  private final int maxBodyBytes;

  JsonBodyAggregator(int maxBodyBytes) {
    super(maxBodyBytes);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized)
      throws Exception {
    if (!(oversized instanceof HttpRequest)) {
      super.handleOversizedMessage(ctx, oversized);
      return;
    }
    boolean close =
        oversized instanceof FullHttpMessage
            || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
    FullHttpResponse r =
        OrderedHttpHandler.error(
            413,
            ErrorCodes.INVALID_ARGUMENT,
            "the request body is larger than " + maxBodyBytes + " bytes");
    HttpUtil.setKeepAlive(r, !close);
    ctx.writeAndFlush(r)
        .addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
  }
}
