package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.dispatch.kv.KvApi;
import io.strangler.flags.Flags;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A proxy on free ports of 127.0.0.1 serving the key-value API, and a JDK client for it. */
final class TestProxy implements AutoCloseable {
  static final String TOKEN = "test-admin-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();

  final DispatchServer server;
  final HttpClient http;

  private TestProxy(DispatchServer server) {
    this.server = server;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** Settings for tests: free ports on 127.0.0.1, two network threads. */
  static ProxyConfig.Builder config() {
    return ProxyConfig.builder()
        .bindAddress("127.0.0.1")
        .port(0)
        .adminPort(0)
        .adminToken(TOKEN)
        .ioThreads(2)
        .shutdownGrace(Duration.ofSeconds(10));
  }

  static TestProxy start(Flags flags, Backend legacy, Backend newer, OutcomeSink sink) {
    return start(config().build(), flags, legacy, newer, sink, AdminRoutes.empty());
  }

  static TestProxy start(
      ProxyConfig config,
      Flags flags,
      Backend legacy,
      Backend newer,
      OutcomeSink sink,
      AdminRoutes admin) {
    return new TestProxy(
        DispatchServer.builder(config)
            .apis(KvApi.registry())
            .flags(flags)
            .legacy(legacy)
            .newer(newer)
            .sink(sink)
            .admin(admin)
            .start());
  }

  /** A client for a server the test built itself; closing it closes the server. */
  static TestProxy wrap(DispatchServer server) {
    return new TestProxy(server);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + server.adminPort() + path);
  }

  HttpResponse<String> post(String operation, String json) {
    return send(request(operation, json).build());
  }

  HttpResponse<String> post(String operation, String json, String requestId) {
    return send(request(operation, json).header("X-Request-Id", requestId).build());
  }

  HttpRequest.Builder request(String operation, String json) {
    return HttpRequest.newBuilder(uri("/v1/" + operation))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + response.body(), e);
    }
  }

  static String put(String key, String value) {
    return "{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}";
  }

  static String get(String key) {
    return "{\"key\":\"" + key + "\"}";
  }

  @Override
  public void close() {
    server.close();
    http.close();
  }
}
