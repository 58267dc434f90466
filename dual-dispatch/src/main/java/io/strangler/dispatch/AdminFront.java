package io.strangler.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port: a bearer token on every call, then the {@link AdminRoutes}. Handlers run on
 * virtual threads, a bounded number at a time.
 */
final class AdminFront {
  private static final Logger log = LoggerFactory.getLogger(AdminFront.class);

  private final AdminRoutes routes;
  private final byte[] expectedAuthorization;
  private final Permits running;
  private volatile boolean draining;

  AdminFront(AdminRoutes routes, String token, int concurrency) {
    this.routes = routes;
    this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    this.running = new Permits("admin calls", concurrency);
  }

  OrderedHttpHandler newHandler() {
    return new Handler();
  }

  void startDraining() {
    draining = true;
  }

  private boolean authorized(FullHttpRequest request) {
    String given = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    // Constant-time: the comparison must not tell how much of a guess was right.
    return given != null
        && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
  }

  private final class Handler extends OrderedHttpHandler {
    private SocketAddress remote;

    @Override
    public void channelActive(io.netty.channel.ChannelHandlerContext ctx) throws Exception {
      remote = ctx.channel().remoteAddress();
      super.channelActive(ctx);
    }

    @Override
    boolean keepAliveAllowed() {
      return !draining;
    }

    @Override
    void serve(FullHttpRequest request, Pending pending) {
      if (request.decoderResult().isFailure()) {
        pending.send(error(400, ErrorCodes.INVALID_ARGUMENT, "malformed HTTP request"));
        return;
      }
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      String method = request.method().name();
      AdminRoutes.Match match = routes.match(method, uri.path());
      boolean open = match instanceof AdminRoutes.Found f && f.open();
      if (!open && !authorized(request)) {
        FullHttpResponse r =
            error(401, ErrorCodes.UNAUTHENTICATED, "a valid bearer token is required");
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        pending.send(r);
        return;
      }
      switch (match) {
        case AdminRoutes.NotFound n ->
            pending.send(
                error(
                    404,
                    ErrorCodes.NOT_FOUND,
                    "no admin route for " + method + " " + ApiFront.clip(uri.path())));
        case AdminRoutes.WrongMethod w -> {
          String allow = String.join(", ", w.allowed());
          FullHttpResponse r =
              error(
                  405,
                  ErrorCodes.INVALID_ARGUMENT,
                  "method "
                      + method
                      + " is not allowed on "
                      + ApiFront.clip(uri.path())
                      + "; use "
                      + allow);
          r.headers().set(HttpHeaderNames.ALLOW, allow);
          pending.send(r);
        }
        case AdminRoutes.Found f -> run(request, uri, f, pending);
      }
    }

    private void run(
        FullHttpRequest request, QueryStringDecoder uri, AdminRoutes.Found found, Pending pending) {
      JsonNode body;
      try {
        body = Json.parse(request.content());
      } catch (JsonProcessingException e) {
        pending.send(
            error(400, ErrorCodes.INVALID_ARGUMENT, "malformed JSON: " + Json.describe(e)));
        return;
      } catch (IOException e) {
        pending.send(error(400, ErrorCodes.INVALID_ARGUMENT, "unreadable body"));
        return;
      }
      Map<String, String> headers = new HashMap<>();
      request
          .headers()
          .forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      AdminRequest call =
          new AdminRequest(
              request.method().name(),
              uri.path(),
              found.params(),
              uri.parameters(),
              headers,
              body,
              remote);
      if (!running.tryAcquire()) {
        pending.send(
            error(503, ErrorCodes.UNAVAILABLE, "too many admin calls at once (" + running + ")"));
        return;
      }
      Thread.ofVirtual()
          .name("dispatch-admin")
          .start(
              () -> {
                try {
                  AdminResponse r = found.handler().handle(call);
                  FullHttpResponse out =
                      response(
                          HttpResponseStatus.valueOf(r.status()), r.bodyBytes(), r.contentType());
                  r.headers().forEach((name, value) -> out.headers().set(name, value));
                  pending.send(out);
                } catch (BadRequest e) {
                  pending.send(error(e.httpStatus(), e.code(), e.getMessage()));
                } catch (Exception e) {
                  log.warn("admin route {} {} failed", call.method(), call.path(), e);
                  pending.send(
                      error(500, ErrorCodes.INTERNAL, "admin route failed: " + e.getMessage()));
                } finally {
                  running.release();
                }
              });
    }
  }
}
