package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small client of the admin port, for the commands that talk to a running proxy. */
final class AdminClient {
  private final URI base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  AdminClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  /** The answer's JSON; an error status or an unreachable proxy is a {@link CliException}. */
  JsonNode get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  JsonNode put(String path, JsonNode body) {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  JsonNode post(String path, JsonNode body) {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  private JsonNode send(HttpRequest.Builder b) {
    HttpRequest request =
        b.header("Authorization", "Bearer " + token)
            .header("X-Strangler-User", System.getProperty("user.name", "unknown"))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new CliException(
          "cannot reach the admin port at "
              + base
              + ": is `strangler serve` running there? (--admin)");
    } catch (IOException e) {
      throw new CliException("admin call to " + request.uri() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while calling " + request.uri());
    }
    JsonNode body;
    try {
      body = ControlApiJson.mapper().readTree(response.body());
    } catch (IOException e) {
      throw new CliException(
          "the admin port answered "
              + response.statusCode()
              + " with a body that is not JSON: "
              + response.body());
    }
    if (response.statusCode() == 401) {
      throw new CliException(
          "the admin port refused the token (401): pass --admin-token or set " + AdminTokens.ENV);
    }
    if (response.statusCode() >= 400) {
      throw new CliException(
          body.path("code").asText("HTTP " + response.statusCode())
              + ": "
              + body.path("message").asText(response.body()));
    }
    return body;
  }
}
