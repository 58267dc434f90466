package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The running proxy's admin port, for what the replayer reads there: its metrics (to take the diff
 * reporter's figures over a replay), mismatch samples, and whether it has finished comparing.
 */
public final class ProxyAdmin implements AutoCloseable {
  public static final String TOKEN_ENV = "STRANGLER_ADMIN_TOKEN";

  private final URI base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  public ProxyAdmin(URI base, String token) {
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    if (token == null || token.isBlank()) {
      throw new ReplayException(
          "no admin token: pass --admin-token or set "
              + TOKEN_ENV
              + " (`strangler serve` prints the one it uses)");
    }
    this.token = token;
  }

  public URI base() {
    return base;
  }

  /** The JSON of {@code GET path}; a 404 is empty, any other error a {@link ReplayException}. */
  public Optional<JsonNode> get(String path) {
    HttpResponse<String> r = send(path);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    check(r, path);
    try {
      return Optional.of(ControlApiJson.mapper().readTree(r.body()));
    } catch (IOException e) {
      throw new ReplayException(
          "the admin port answered " + path + " with a body that is not JSON");
    }
  }

  /**
   * The diff reporter's counters now: take one before a run and one after, for {@link
   * ReplayReport#proxyDiff}.
   */
  public Counters counters() {
    return new Counters(metrics());
  }

  /** A scrape of the proxy's metrics. */
  public static final class Counters {
    final PromText metrics;

    Counters(PromText metrics) {
      this.metrics = metrics;
    }
  }

  public PromText metrics() {
    HttpResponse<String> r = send("metrics");
    check(r, "/metrics");
    return PromText.parse(r.body());
  }

  /**
   * Waits until the proxy has no call of its own in flight, no shadow call pending, and the diff
   * reporter has compared everything it was handed (its counts stop moving), at most {@code max}.
   * False if it did not settle in time.
   */
  public boolean awaitSettled(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    long previous = -1;
    while (System.nanoTime() < deadline) {
      JsonNode dispatch = get("admin/dispatch").orElse(null);
      JsonNode diff =
          get("admin/diff")
              .orElseThrow(
                  () ->
                      new ReplayException(
                          "the proxy has no GET /admin/diff: is it `strangler serve`?"));
      long processed = 0;
      for (Map.Entry<String, JsonNode> e : diff.path("processed").properties()) {
        processed += e.getValue().asLong();
      }
      boolean idle =
          (dispatch == null || dispatch.path("shadowCallsPending").asInt() == 0)
              && diff.path("queueDepth").asInt() == 0
              && diff.path("pendingRechecks").asInt() == 0;
      if (idle && processed == previous) {
        return true;
      }
      previous = idle ? processed : -1;
      // Polling another process's counters: there is nothing to wait on but time.
      LockSupport.parkNanos(Duration.ofMillis(150).toNanos());
    }
    return false;
  }

  private HttpResponse<String> send(String path) {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path.startsWith("/") ? path.substring(1) : path))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new ReplayException(
          "cannot reach the proxy's admin port at "
              + base
              + " ("
              + e
              + "): is `strangler serve` running there? (--admin)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayException("interrupted while calling " + request.uri());
    }
  }

  private static void check(HttpResponse<String> r, String path) {
    if (r.statusCode() == 401) {
      throw new ReplayException(
          "the admin port refused the token (401): pass --admin-token or set " + TOKEN_ENV);
    }
    if (r.statusCode() >= 400) {
      throw new ReplayException(
          "the admin port answered GET " + path + " with " + r.statusCode() + ": " + r.body());
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
