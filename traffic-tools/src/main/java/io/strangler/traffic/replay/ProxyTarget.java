package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.ControlApiJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A running proxy: each call is {@code POST /v1/{operation}} with the call's request id in {@code
 * X-Request-Id} and, unless turned off, its entity in {@code X-Routing-Key} ({@link
 * ReadyCall#routingKey()}) for a load balancer that keeps one entity's calls on one instance. The
 * proxy stamps its own time, dispatches by its flags and compares; this side only sees the
 * authoritative answer.
 */
public final class ProxyTarget implements Target {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  /** The header the proxy checks and a load balancer hashes (docs/operations.md). */
  public static final String ROUTING_KEY = "X-Routing-Key";

  private final URI base;
  private final Duration timeout;
  private final ExecutorService httpThreads;
  private final HttpClient http;
  private final boolean routingKeys;

  /** A proxy sent every call's routing key. */
  public ProxyTarget(URI base, Duration timeout) {
    this(base, timeout, true);
  }

  /**
   * @param routingKeys whether each call carries {@code X-Routing-Key}
   */
  public ProxyTarget(URI base, Duration timeout, boolean routingKeys) {
    this.routingKeys = routingKeys;
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    if (!"http".equals(this.base.getScheme()) && !"https".equals(this.base.getScheme())) {
      throw new ReplayException(
          "--target must be an http:// URL of a running proxy, got '" + base + "'");
    }
    this.timeout = timeout;
    // The client's own tasks (reading responses); the calls themselves block the replayer's
    // workers, whose number bounds what is in flight, so a few threads and a short queue are
    // enough; past it the submitting thread does the work itself.
    this.httpThreads =
        new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1024),
            Thread.ofPlatform().name("replay-http-", 0).daemon(true).factory(),
            new ThreadPoolExecutor.CallerRunsPolicy());
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(httpThreads)
            .build();
  }

  @Override
  public String describe() {
    return base.toString();
  }

  /** Fails with a clear message unless the proxy answers {@code GET /healthz}. */
  public void checkReachable() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("healthz"))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new ReplayException(
            "the proxy at " + base + " answered GET /healthz with " + r.statusCode());
      }
    } catch (IOException e) {
      throw new ReplayException(
          "cannot reach a proxy at "
              + base
              + " ("
              + e
              + "): is `strangler serve` running there? (--target)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayException("interrupted while checking the proxy at " + base);
    }
  }

  @Override
  public CallResult call(ReadyCall ready) {
    TrafficCall call = ready.call();
    long start = System.nanoTime();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve("v1/" + call.operation()))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("X-Request-Id", call.requestId())
            .POST(HttpRequest.BodyPublishers.ofString(call.request().toString()));
    if (routingKeys && ready.routingKey() != null) {
      request.header(ROUTING_KEY, ready.routingKey());
    }
    Answer answer;
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      answer = answer(r.statusCode(), r.body());
    } catch (IOException e) {
      answer = new Answer.Failed(0, Answer.Failed.TRANSPORT, String.valueOf(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer = new Answer.Failed(0, Answer.Failed.TRANSPORT, "interrupted");
    }
    return new CallResult(answer, Duration.ofNanos(System.nanoTime() - start), null);
  }

  static Answer answer(int status, String body) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      json = null;
    }
    if (status == 200 && json != null) {
      return new Answer.Ok(json);
    }
    if (json != null && json.hasNonNull("code")) {
      return new Answer.Failed(status, json.get("code").asText(), json.path("message").asText(""));
    }
    return new Answer.Failed(status, "HTTP_" + status, body == null ? "" : body);
  }

  @Override
  public void close() {
    http.close();
    httpThreads.shutdownNow();
  }
}
