package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/** What an admin route answers: a status and a body (JSON, or text such as a metrics scrape). */
public final class AdminResponse {
  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers;

  private AdminResponse(int status, String contentType, byte[] body) {
    this(status, contentType, body, Map.of());
  }

  private AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("not an HTTP status: " + status);
    }
    this.status = status;
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    this.body = Objects.requireNonNull(body, "body");
    this.headers = Map.copyOf(headers);
  }

  /** This response with extra headers (for example a page's Content-Security-Policy). */
  public AdminResponse withHeaders(Map<String, String> extra) {
    Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.putAll(extra);
    return new AdminResponse(status, contentType, body, all);
  }

  /** The extra headers to send, beyond Content-Type and Content-Length. */
  public Map<String, String> headers() {
    return headers;
  }

  /** 200 with a JSON body. */
  public static AdminResponse ok(JsonNode body) {
    return json(200, body);
  }

  /** A JSON body, pretty-printed for people reading it with curl. */
  public static AdminResponse json(int status, JsonNode body) {
    return new AdminResponse(status, "application/json", Json.prettyBytes(body));
  }

  /** {@code {"code", "message"}}, the shape of every error. */
  public static AdminResponse error(int status, String code, String message) {
    return json(status, Json.error(code, message));
  }

  /** A text body, for example {@code text/plain; version=0.0.4} for a Prometheus scrape. */
  public static AdminResponse text(int status, String contentType, String body) {
    return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Raw bytes, for example a static page. */
  public static AdminResponse bytes(int status, String contentType, byte[] body) {
    return new AdminResponse(status, contentType, body.clone());
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  byte[] bodyBytes() {
    return body;
  }

  /** The body as text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
