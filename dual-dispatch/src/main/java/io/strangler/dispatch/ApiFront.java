package io.strangler.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.strangler.common.RateLimitedLog;
import io.strangler.flags.Decision;
import io.strangler.flags.Flags;
import io.strangler.flags.Mode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API port: routes {@code POST /v1/{operation}}, {@code /healthz} and {@code /readyz}, turns a
 * request into a prepared, stamped call and its outcome into a response. Everything here runs on
 * network threads and never blocks; backend calls are the {@link Dispatcher}'s.
 */
final class ApiFront {
  private static final Logger log = LoggerFactory.getLogger(ApiFront.class);
  static final String REQUEST_ID = "X-Request-Id";

  /** A client's own deadline in milliseconds; it may shorten the configured one, never lengthen. */
  static final String TIMEOUT_MS = "X-Timeout-Ms";

  /**
   * The key a load balancer hashes to send one entity's calls to one instance (see {@code
   * docs/operations.md}); the proxy only checks that it is well formed.
   */
  static final String ROUTING_KEY = "X-Routing-Key";

  /** The instance that answered, when the proxy has an instance id. */
  static final String SERVED_BY = "X-Served-By";

  private static final int MAX_REQUEST_ID = 128;
  private static final Duration READY_PROBE_TIMEOUT = Duration.ofSeconds(2);

  private final Map<String, Dispatcher.Route> routes;
  private final Flags flags;
  private final Dispatcher dispatcher;
  private final Clock clock;
  private final Supplier<String> ids;
  private final byte[] expectedAuthorization;
  private final Permits requests;
  private final AtomicReference<CompletableFuture<Ready>> readiness = new AtomicReference<>();
  private final RateLimitedLog prepareErrors = new RateLimitedLog(log, Duration.ofSeconds(10));
  private final String instanceId;
  private volatile boolean draining;
  private volatile boolean unready;

  ApiFront(
      Map<String, Dispatcher.Route> routes,
      Flags flags,
      Dispatcher dispatcher,
      Clock clock,
      Supplier<String> ids,
      String apiToken,
      String instanceId,
      int maxRequests) {
    this.instanceId = instanceId;
    this.routes = Map.copyOf(routes);
    this.requests = new Permits("requests", maxRequests);
    this.flags = flags;
    this.dispatcher = dispatcher;
    this.clock = clock;
    this.ids = ids;
    this.expectedAuthorization =
        apiToken == null ? null : ("Bearer " + apiToken).getBytes(StandardCharsets.UTF_8);
  }

  OrderedHttpHandler newHandler() {
    return new Handler();
  }

  void startDraining() {
    draining = true;
  }

  /** {@code /readyz} answers 503 from now on; calls are still served. */
  void stopReadiness() {
    unready = true;
  }

  boolean awaitRequests(Duration timeout) {
    return requests.awaitEmpty(timeout);
  }

  int requestsInFlight() {
    return requests.inUse();
  }

  private final class Handler extends OrderedHttpHandler {
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
      String uri = request.uri();
      int query = uri.indexOf('?');
      String path = query < 0 ? uri : uri.substring(0, query);
      if (path.startsWith("/v1/")) {
        serveApi(request, path.substring(4), pending);
        return;
      }
      HttpMethod method = request.method();
      boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
      switch (path) {
        case "/healthz" ->
            pending.send(
                get ? json(HttpResponseStatus.OK, status("ok")) : notAllowed(method, path, "GET"));
        case "/readyz" -> {
          if (!get) {
            pending.send(notAllowed(method, path, "GET"));
          } else if (draining) {
            pending.send(json(HttpResponseStatus.SERVICE_UNAVAILABLE, status("shutting down")));
          } else if (unready) {
            pending.send(json(HttpResponseStatus.SERVICE_UNAVAILABLE, status("draining")));
          } else {
            readiness().thenAccept(r -> pending.send(json(r.status, r.body)));
          }
        }
        default ->
            pending.send(
                error(404, ErrorCodes.NOT_FOUND, "no route for " + method + " " + clip(path)));
      }
    }

    private void serveApi(FullHttpRequest request, String operation, Pending pending) {
      String requestId = request.headers().get(REQUEST_ID);
      if (requestId == null) {
        requestId = ids.get();
      } else if (!validHeaderValue(requestId)) {
        pending.send(
            error(
                400,
                ErrorCodes.INVALID_ARGUMENT,
                "header "
                    + REQUEST_ID
                    + " must be 1-"
                    + MAX_REQUEST_ID
                    + " printable ASCII characters without spaces"));
        return;
      }
      String id = requestId;
      String routingKey = request.headers().get(ROUTING_KEY);
      if (routingKey != null && !validHeaderValue(routingKey)) {
        pending.send(
            withId(
                error(
                    400,
                    ErrorCodes.INVALID_ARGUMENT,
                    "header "
                        + ROUTING_KEY
                        + " must be 1-"
                        + MAX_REQUEST_ID
                        + " printable ASCII characters without spaces"),
                id));
        return;
      }
      if (!authorized(request)) {
        // Before the operation is looked up: without the token, not even the names are told.
        FullHttpResponse r =
            error(401, ErrorCodes.UNAUTHENTICATED, "a valid bearer token is required");
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        pending.send(withId(r, id));
        return;
      }
      Dispatcher.Route route = routes.get(operation);
      if (route == null) {
        pending.send(
            withId(
                error(404, ErrorCodes.NOT_FOUND, "unknown operation '" + clip(operation) + "'"),
                id));
        return;
      }
      if (!request.method().equals(HttpMethod.POST)) {
        pending.send(withId(notAllowed(request.method(), "/v1/" + operation, "POST"), id));
        return;
      }
      if (!isJson(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
        // A browser sends text/plain or a form cross-origin without asking first; demanding JSON
        // makes it ask (a preflight), which this port never grants.
        pending.send(
            withId(
                error(
                    415,
                    ErrorCodes.INVALID_ARGUMENT,
                    "Content-Type must be application/json, got "
                        + clip(
                            String.valueOf(request.headers().get(HttpHeaderNames.CONTENT_TYPE)))),
                id));
        return;
      }
      Duration deadline = route.deadline();
      String asked = request.headers().get(TIMEOUT_MS);
      if (asked != null) {
        long ms = parseMillis(asked);
        if (ms < 1) {
          pending.send(
              withId(
                  error(
                      400,
                      ErrorCodes.INVALID_ARGUMENT,
                      "header " + TIMEOUT_MS + " must be a whole number of milliseconds >= 1"),
                  id));
          return;
        }
        if (ms < deadline.toMillis()) {
          deadline = Duration.ofMillis(ms);
        }
      }
      if (draining) {
        pending.send(withId(error(503, ErrorCodes.UNAVAILABLE, "the proxy is shutting down"), id));
        return;
      }
      JsonNode body;
      try {
        body = Json.parse(request.content());
      } catch (JsonProcessingException e) {
        pending.send(
            withId(
                error(400, ErrorCodes.INVALID_ARGUMENT, "malformed JSON: " + Json.describe(e)),
                id));
        return;
      } catch (IOException e) {
        pending.send(withId(error(400, ErrorCodes.INVALID_ARGUMENT, "unreadable body"), id));
        return;
      }
      if (!body.isObject()) {
        pending.send(
            withId(
                error(
                    400,
                    ErrorCodes.INVALID_ARGUMENT,
                    "the request body must be a JSON object, got "
                        + (body.isMissingNode()
                            ? "nothing"
                            : body.getNodeType().name().toLowerCase(Locale.ROOT))),
                id));
        return;
      }
      Prepared prepared;
      try {
        prepared = route.spec().prepare(body);
      } catch (BadRequest e) {
        pending.send(withId(error(e.httpStatus(), e.code(), e.getMessage()), id));
        return;
      } catch (RuntimeException e) {
        prepareErrors.warn("the request check of " + operation + " threw", e);
        pending.send(
            withId(
                error(500, ErrorCodes.INTERNAL, "the request check of " + operation + " failed"),
                id));
        return;
      }
      Decision decision = flags.decide(operation, prepared.routingKey());
      if (decision == null || decision.isUnavailable()) {
        pending.send(
            withId(
                error(
                    503,
                    ErrorCodes.UNAVAILABLE,
                    "no backend may serve "
                        + operation
                        + (decision == null ? "" : " (" + decision.source() + ")")),
                id));
        return;
      }
      if (!requests.tryAcquire()) {
        // Beyond the bound DispatchServer sets: answered now, never queued.
        pending.send(
            withId(error(503, ErrorCodes.UNAVAILABLE, "the proxy is overloaded: " + requests), id));
        return;
      }
      pending.afterWrite(requests::release);
      Stamp stamp = new Stamp(id, clock.instant());
      dispatcher.dispatch(
          new Dispatcher.Call(route, prepared, stamp, decision.mode(), deadline),
          (call, outcome, backend) -> pending.send(withId(toResponse(outcome, backend), id)));
    }
  }

  private boolean authorized(FullHttpRequest request) {
    if (expectedAuthorization == null) {
      return true;
    }
    String given = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    // Constant-time: the comparison must not tell how much of a guess was right.
    return given != null
        && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code application/json}, in any case, with or without parameters such as a charset. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return type.equalsIgnoreCase("application/json");
  }

  /** A positive number of milliseconds, or -1 for anything else. */
  private static long parseMillis(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static FullHttpResponse toResponse(Outcome outcome, String backend) {
    return switch (outcome) {
      case Outcome.Answer a -> json(HttpResponseStatus.OK, a.bytes());
      case Outcome.Failure f -> error(f.httpStatus(), f.code(), f.message());
      case Outcome.TimedOut t ->
          error(
              503,
              ErrorCodes.UNAVAILABLE,
              backend
                  + " did not answer within the call's deadline of "
                  + t.after().toMillis()
                  + " ms (a write may still take effect)");
      case Outcome.Dropped d when d.reason() == Outcome.DropReason.DEADLINE_EXCEEDED ->
          error(
              503,
              ErrorCodes.UNAVAILABLE,
              "the call waited for " + backend + " past its deadline and was not run");
      case Outcome.Dropped d when d.reason() == Outcome.DropReason.OVERLOADED ->
          error(503, ErrorCodes.UNAVAILABLE, "the proxy is overloaded: " + backend);
      case Outcome.Dropped d ->
          error(503, ErrorCodes.UNAVAILABLE, backend + " was not called: " + d.reason());
      case Outcome.NotCalled n -> error(500, ErrorCodes.INTERNAL, backend + " was not called");
    };
  }

  /** The answer of one readiness check. */
  private record Ready(HttpResponseStatus status, byte[] body) {}

  private CompletableFuture<Ready> readiness() {
    CompletableFuture<Ready> running = readiness.get();
    if (running != null) {
      return running;
    }
    CompletableFuture<Ready> mine = new CompletableFuture<>();
    if (!readiness.compareAndSet(null, mine)) {
      return readiness.get();
    }
    // One check at a time: concurrent probes share its answer.
    Thread.ofVirtual()
        .name("dispatch-readiness")
        .start(
            () -> {
              Ready r;
              try {
                r = probeBackends();
              } catch (RuntimeException e) {
                r =
                    new Ready(
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        Json.bytes(
                            Json.error(ErrorCodes.UNAVAILABLE, "readiness check failed: " + e)));
              }
              readiness.set(null);
              mine.complete(r);
            });
    return mine;
  }

  private Ready probeBackends() {
    Backend legacy = dispatcher.backend(Mode.Backend.LEGACY);
    Backend newer = dispatcher.backend(Mode.Backend.NEW);
    CompletableFuture<Boolean> l = probe(legacy);
    CompletableFuture<Boolean> n = probe(newer);
    boolean legacyUp = l.join();
    boolean newUp = n.join();
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("ready", legacyUp && newUp);
    body.put("legacy", legacy.name() + (legacyUp ? " up" : " down"));
    body.put("new", newer.name() + (newUp ? " up" : " down"));
    return new Ready(
        legacyUp && newUp ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        Json.bytes(body));
  }

  private static CompletableFuture<Boolean> probe(Backend backend) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("dispatch-probe-" + backend.name())
        .start(
            () -> {
              try {
                f.complete(backend.ready());
              } catch (RuntimeException e) {
                f.complete(false);
              }
            });
    return f.completeOnTimeout(false, READY_PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** 1-128 printable ASCII characters without spaces: request ids, routing keys, instance ids. */
  static boolean validHeaderValue(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_REQUEST_ID) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static byte[] status(String status) {
    return Json.bytes(Json.MAPPER.createObjectNode().put("status", status));
  }

  private static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
    return OrderedHttpHandler.response(status, body);
  }

  private static FullHttpResponse error(int status, String code, String message) {
    return OrderedHttpHandler.error(status, code, message);
  }

  private static FullHttpResponse notAllowed(HttpMethod method, String path, String allow) {
    FullHttpResponse r =
        error(
            405,
            ErrorCodes.INVALID_ARGUMENT,
            "method " + method + " is not allowed on " + clip(path) + "; use " + allow);
    r.headers().set(HttpHeaderNames.ALLOW, allow);
    return r;
  }

  private FullHttpResponse withId(FullHttpResponse r, String requestId) {
    r.headers().set(REQUEST_ID, requestId);
    if (instanceId != null) {
      r.headers().set(SERVED_BY, instanceId);
    }
    return r;
  }

  /** Paths and names echoed in messages are cut short: they come from the client. */
  static String clip(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
