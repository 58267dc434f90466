package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.json;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.dispatch.testing.CountingBackend;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Requests the proxy refuses before any backend, and the HTTP details of the API port. */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpFrontTest {
  private static final int MAX_BODY = 1024;

  private final KvStores stores;
  private final CountingBackend legacy;
  private final CountingBackend newer;
  private final CountingSink sink = new CountingSink();
  private final TestProxy proxy;

  HttpFrontTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
    legacy = new CountingBackend(stores.redis);
    newer = new CountingBackend(stores.postgres);
    proxy =
        TestProxy.start(
            TestProxy.config().maxBodyBytes(MAX_BODY).build(),
            new FakeFlags(Mode.SHADOW),
            legacy,
            newer,
            sink,
            AdminRoutes.empty());
  }

  @BeforeEach
  void clean() {
    stores.flush();
    legacy.reset();
    newer.reset();
  }

  @AfterAll
  void close() {
    proxy.close();
    stores.close();
  }

  record Case(
      String name,
      String method,
      String path,
      String body,
      int status,
      String code,
      String contentType) {
    Case(String name, String method, String path, String body, int status, String code) {
      this(name, method, path, body, status, code, "application/json");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> badRequests() {
    String big = "x".repeat(MAX_BODY * 2);
    return Stream.of(
        new Case("malformed JSON", "POST", "/v1/Put", "{\"key\":", 400, "INVALID_ARGUMENT"),
        new Case(
            "trailing garbage", "POST", "/v1/Get", "{\"key\":\"a\"} x", 400, "INVALID_ARGUMENT"),
        new Case(
            "duplicate field",
            "POST",
            "/v1/Get",
            "{\"key\":\"a\",\"key\":\"b\"}",
            400,
            "INVALID_ARGUMENT"),
        new Case("empty body", "POST", "/v1/Get", "", 400, "INVALID_ARGUMENT"),
        new Case("array body", "POST", "/v1/Get", "[\"a\"]", 400, "INVALID_ARGUMENT"),
        new Case("missing field", "POST", "/v1/Put", "{\"key\":\"a\"}", 400, "INVALID_ARGUMENT"),
        new Case("mistyped field", "POST", "/v1/Get", "{\"key\":5}", 400, "INVALID_ARGUMENT"),
        new Case("null field", "POST", "/v1/Get", "{\"key\":null}", 400, "INVALID_ARGUMENT"),
        new Case(
            "unknown field", "POST", "/v1/Get", "{\"key\":\"a\",\"x\":1}", 400, "INVALID_ARGUMENT"),
        new Case("unknown operation", "POST", "/v1/Delete", "{\"key\":\"a\"}", 404, "NOT_FOUND"),
        new Case("no operation", "POST", "/v1/", "{\"key\":\"a\"}", 404, "NOT_FOUND"),
        new Case("nested path", "POST", "/v1/Get/x", "{\"key\":\"a\"}", 404, "NOT_FOUND"),
        new Case("wrong path", "POST", "/v2/Get", "{\"key\":\"a\"}", 404, "NOT_FOUND"),
        new Case("wrong method", "GET", "/v1/Get", "", 405, "INVALID_ARGUMENT"),
        new Case("PUT on an operation", "PUT", "/v1/Put", put("a", "b"), 405, "INVALID_ARGUMENT"),
        new Case("POST to healthz", "POST", "/healthz", "{}", 405, "INVALID_ARGUMENT"),
        // A browser page may send these cross-origin without a preflight: refused unread.
        new Case(
            "text/plain body",
            "POST",
            "/v1/Put",
            put("a", "b"),
            415,
            "INVALID_ARGUMENT",
            "text/plain"),
        new Case(
            "form body",
            "POST",
            "/v1/Put",
            "key=a&value=b",
            415,
            "INVALID_ARGUMENT",
            "application/x-www-form-urlencoded"),
        new Case(
            "no content type", "POST", "/v1/Put", put("a", "b"), 415, "INVALID_ARGUMENT", null),
        new Case(
            "JSON-like type",
            "POST",
            "/v1/Put",
            put("a", "b"),
            415,
            "INVALID_ARGUMENT",
            "application/jsonx"),
        new Case(
            "body over the limit",
            "POST",
            "/v1/Put",
            "{\"key\":\"a\",\"value\":\"" + big + "\"}",
            413,
            "INVALID_ARGUMENT"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badRequest_getsTheContractErrorAndTouchesNoBackend(Case c) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(proxy.uri(c.path()))
            .method(c.method(), HttpRequest.BodyPublishers.ofString(c.body()));
    if (c.contentType() != null) {
      b.header("Content-Type", c.contentType());
    }
    HttpResponse<String> r = proxy.send(b.build());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(c.status());
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(json(r).get("code").asText()).isEqualTo(c.code());
    assertThat(json(r).get("message").asText()).isNotBlank();
    assertThat(legacy.calls() + newer.calls()).isZero();
  }

  @Test
  void badRequest_messagesSayWhatIsWrong() {
    assertThat(json(proxy.post("Put", "{\"key\":\"a\"}")).get("message").asText())
        .isEqualTo("missing required field 'value'");
    assertThat(json(proxy.post("Get", "{\"key\":5}")).get("message").asText())
        .isEqualTo("field 'key' must be a string");
    assertThat(json(proxy.post("Delete", "{}")).get("message").asText())
        .isEqualTo("unknown operation 'Delete'");
    assertThat(json(proxy.post("Get", "{\"key\":")).get("message").asText())
        .startsWith("malformed JSON: ");
    assertThat(legacy.calls() + newer.calls()).isZero();
  }

  @Test
  void wrongMethod_namesTheAllowedOne() {
    HttpResponse<String> r = proxy.send(HttpRequest.newBuilder(proxy.uri("/v1/Get")).GET().build());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void jsonWithACharset_isServed() {
    HttpResponse<String> r =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/v1/Put"))
                .header("Content-Type", "Application/JSON; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(put("cs", "v")))
                .build());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void preflight_getsNoCorsGrant() {
    HttpResponse<String> r =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/v1/Put"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .build());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().map().keySet())
        .noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"));
    assertThat(legacy.calls() + newer.calls()).isZero();
  }

  @Test
  void timeoutHeaderThatIsNotAPositiveNumber_isABadRequest() {
    for (String bad : List.of("abc", "0", "-5", "1.5", "99999999999")) {
      HttpResponse<String> r =
          proxy.send(proxy.request("Get", TestProxy.get("a")).header("X-Timeout-Ms", bad).build());

      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(json(r).get("message").asText()).contains("X-Timeout-Ms");
    }
    assertThat(legacy.calls() + newer.calls()).isZero();
  }

  @Test
  void requestIdTooLong_isABadRequest() {
    HttpResponse<String> r = proxy.post("Get", TestProxy.get("a"), "r".repeat(129));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("message").asText()).contains("X-Request-Id");
    assertThat(legacy.calls() + newer.calls()).isZero();
  }

  @Test
  void afterAnOversizedBody_theConnectionStillServes() throws IOException {
    String big = "{\"key\":\"a\",\"value\":\"" + "x".repeat(MAX_BODY * 2) + "\"}";
    try (Socket s = new Socket("127.0.0.1", proxy.server.port())) {
      OutputStream out = s.getOutputStream();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      out.write(rawPost("/v1/Put", big, "too-big"));
      out.flush();
      assertThat(readResponse(in).statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
      out.write(rawPost("/v1/Put", put("a", "small"), "small"));
      out.flush();
      RawResponse ok = readResponse(in);
      assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(ok.body()).contains("\"small\"");
    }
  }

  @Test
  void pipelinedRequests_areAnsweredInTheOrderSent() throws IOException {
    stores.redis.seed("p", "seeded");
    try (Socket s = new Socket("127.0.0.1", proxy.server.port())) {
      OutputStream out = s.getOutputStream();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      // One write: the server reads all three before answering the first.
      byte[] a = rawPost("/v1/Put", put("p", "one"), "pipe-1");
      byte[] b = rawPost("/v1/Get", TestProxy.get("p"), "pipe-2");
      byte[] c = rawPost("/v1/Nope", "{}", "pipe-3");
      byte[] all = new byte[a.length + b.length + c.length];
      System.arraycopy(a, 0, all, 0, a.length);
      System.arraycopy(b, 0, all, a.length, b.length);
      System.arraycopy(c, 0, all, a.length + b.length, c.length);
      out.write(all);
      out.flush();

      List<RawResponse> responses = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        responses.add(readResponse(in));
      }
      assertThat(responses)
          .extracting(RawResponse::requestId)
          .containsExactly("pipe-1", "pipe-2", "pipe-3");
      assertThat(responses.get(1).body()).contains("\"one\"");
      assertThat(responses.get(2).statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
    }
  }

  private static byte[] rawPost(String path, String body, String requestId) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nX-Request-Id: "
            + requestId
            + "\r\nContent-Length: "
            + b.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + b.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(b, 0, all, h.length, b.length);
    return all;
  }

  record RawResponse(String statusLine, String requestId, String body) {}

  private static RawResponse readResponse(BufferedReader in) throws IOException {
    String status = in.readLine();
    int length = 0;
    String requestId = null;
    String line;
    while (!(line = in.readLine()).isEmpty()) {
      String lower = line.toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      } else if (lower.startsWith("x-request-id:")) {
        requestId = line.substring(13).trim();
      }
    }
    char[] body = new char[length];
    int read = 0;
    while (read < length) {
      read += in.read(body, read, length - read);
    }
    return new RawResponse(status, requestId, new String(body));
  }
}
