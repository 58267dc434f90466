package io.strangler.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.strangler.api.ControlApiJson;
import io.strangler.cutover.CutoverRoutes;
import io.strangler.diff.report.DiffAdmin;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin routes the page reads, as the server serves them, over the real diff reporter and
 * flags: {@code GET /dashboard} without a token, {@code /admin/flags}, {@code /admin/readiness},
 * {@code /admin/mismatches}, {@code /admin/diff}, {@code /admin/cutover}, {@code /admin/repairs}
 * and {@code /metrics} with a bearer token.
 */
final class AdminTestServer implements AutoCloseable {
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final String token;
  private final ReporterFixture reporter;
  private final DiffAdmin admin;
  private final AtomicInteger adminRequests = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();

  AdminTestServer(ReporterFixture reporter, String token) throws IOException {
    this.reporter = reporter;
    this.admin = reporter.pipeline.admin();
    this.token = token;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    this.executor =
        new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(64),
            r -> Thread.ofPlatform().name("admin-test-server").daemon(true).unstarted(r),
            new ThreadPoolExecutor.AbortPolicy());
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The page's address, with the token in the fragment when one is given. */
  String dashboardUrl(String tokenInFragment) {
    String base = "http://127.0.0.1:" + server.getAddress().getPort() + DashboardPage.PATH;
    return tokenInFragment == null ? base : base + "#token=" + tokenInFragment;
  }

  /** Requests to /admin/ and /metrics, with or without a good token. */
  int adminRequests() {
    return adminRequests.get();
  }

  /** Requests refused for a missing or wrong token. */
  int rejected() {
    return rejected.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!exchange.getRequestMethod().equals("GET")) {
        send(exchange, 405, "text/plain", "GET only".getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (path.equals(DashboardPage.PATH)) {
        DashboardPage.headers().forEach(exchange.getResponseHeaders()::set);
        byte[] html = DashboardPage.html();
        exchange.sendResponseHeaders(200, html.length);
        exchange.getResponseBody().write(html);
        return;
      }
      if (!path.startsWith("/admin/") && !path.equals("/metrics")) {
        send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
        return;
      }
      adminRequests.incrementAndGet();
      if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        rejected.incrementAndGet();
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        sendJson(
            exchange,
            401,
            ControlApiJson.mapper()
                .createObjectNode()
                .put("code", "UNAUTHENTICATED")
                .put("message", "a valid admin bearer token is required"));
        return;
      }
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      switch (path) {
        case "/admin/flags" ->
            sendJson(exchange, 200, ControlApiJson.mapper().valueToTree(reporter.flags.snapshot()));
        case "/admin/readiness" -> sendJson(exchange, 200, admin.readiness());
        case "/admin/mismatches" ->
            sendJson(
                exchange,
                200,
                admin.mismatches(
                    Optional.ofNullable(query.get("api")).filter(a -> !a.isEmpty()),
                    Integer.parseInt(query.getOrDefault("limit", "" + DiffAdmin.DEFAULT_LIMIT))));
        case "/admin/diff" -> sendJson(exchange, 200, admin.diff());
        case "/admin/cutover" -> sendJson(exchange, 200, CutoverRoutes.status(reporter.cutover));
        case "/admin/repairs" -> sendJson(exchange, 200, reporter.repairs());
        case "/metrics" ->
            send(
                exchange,
                200,
                reporter.telemetry.contentType(),
                reporter.telemetry.scrape().getBytes(StandardCharsets.UTF_8));
        default -> send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        out.put(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body)
      throws IOException {
    send(exchange, status, "application/json", ControlApiJson.mapper().writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
