package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.json;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strangler.dispatch.kv.KvApi;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Slow requests, too many connections, and the API token. */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionHygieneTest {
  private static final String API_TOKEN = "api-token-0123456789abcdef";

  private final KvStores stores;

  ConnectionHygieneTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    stores = new KvStores(redis, postgres);
  }

  @BeforeEach
  void clean() {
    stores.flush();
  }

  @AfterAll
  void close() {
    stores.close();
  }

  private TestProxy start(ProxyConfig config) {
    return TestProxy.start(
        config,
        new FakeFlags(Mode.LEGACY_ONLY),
        stores.redis,
        stores.postgres,
        OutcomeSink.noop(),
        AdminRoutes.empty());
  }

  @Test
  void connectionsDrippingAByteAtATime_areAnswered408AndClosed() throws Exception {
    int loris = 200;
    // The idle timeout never fires on them: a byte arrives more often than it allows.
    try (TestProxy proxy =
            start(
                TestProxy.config()
                    .requestReadTimeout(Duration.ofMillis(800))
                    .idleTimeout(Duration.ofSeconds(60))
                    .build());
        ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Socket> sockets = new ArrayList<>();
      List<CompletableFuture<String>> answers = new ArrayList<>();
      try {
        for (int i = 0; i < loris; i++) {
          Socket s = new Socket("127.0.0.1", proxy.server.port());
          sockets.add(s);
          s.getOutputStream()
              .write("POST /v1/Put HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          answers.add(CompletableFuture.supplyAsync(() -> readToEnd(s), readers));
        }
        // Drip: one more header byte on every connection every 200 ms, until each is closed.
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!answers.stream().allMatch(CompletableFuture::isDone)) {
          assertThat(System.nanoTime()).as("connections still open after 20 s").isLessThan(until);
          for (Socket s : sockets) {
            try {
              OutputStream out = s.getOutputStream();
              out.write('X');
              out.flush();
            } catch (IOException closed) {
              // this one is done
            }
          }
          await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> true);
        }
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }

      for (CompletableFuture<String> a : answers) {
        assertThat(a.get()).startsWith("HTTP/1.1 408").contains("INVALID_ARGUMENT");
      }
      assertThat(proxy.server.stats().connections().readTimeouts()).isEqualTo(loris);
      // The proxy still serves.
      assertThat(proxy.post(KvApi.PUT, put("after", "v")).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void connectionsBeyondTheLimit_areAnswered503AndClosed() throws Exception {
    int max = 8;
    try (TestProxy proxy = start(TestProxy.config().maxConnections(max).build())) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < max; i++) {
          held.add(new Socket("127.0.0.1", proxy.server.port()));
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> proxy.server.stats().connections().open() == max);

        String refused;
        try (Socket extra = new Socket("127.0.0.1", proxy.server.port())) {
          extra.getOutputStream().write(rawPut("late").getBytes(StandardCharsets.US_ASCII));
          refused = readToEnd(extra);
        }

        assertThat(refused)
            .startsWith("HTTP/1.1 503")
            .contains("\"code\":\"UNAVAILABLE\"")
            .contains("maximum of " + max + " connections");
        assertThat(proxy.server.stats().connections().refused()).isEqualTo(1);
        assertThat(stores.redis.value("late")).isNull();
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      // Closed connections free their places.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.server.stats().connections().open() == 0);
      assertThat(proxy.post(KvApi.PUT, put("later", "v")).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void apiToken_isRequiredOnTheApi_butNotOnHealth() {
    try (TestProxy proxy = start(TestProxy.config().apiToken(API_TOKEN).build())) {
      HttpResponse<String> none = proxy.post(KvApi.PUT, put("t", "v"));
      HttpResponse<String> wrong =
          proxy.send(
              proxy
                  .request(KvApi.PUT, put("t", "v"))
                  .header("Authorization", "Bearer " + API_TOKEN + "x")
                  .build());
      HttpResponse<String> unknownOperation = proxy.post("Nope", "{}");
      HttpResponse<String> right =
          proxy.send(
              proxy
                  .request(KvApi.PUT, put("t", "v"))
                  .header("Authorization", "Bearer " + API_TOKEN)
                  .build());
      HttpResponse<String> health =
          proxy.send(java.net.http.HttpRequest.newBuilder(proxy.uri("/healthz")).build());

      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(json(none).get("code").asText()).isEqualTo("UNAUTHENTICATED");
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(unknownOperation.statusCode()).isEqualTo(401);
      assertThat(right.statusCode()).isEqualTo(200);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(stores.redis.value("t")).isEqualTo("v");
    }
  }

  private static String rawPut(String key) {
    String body = put(key, "v");
    return "POST /v1/Put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length()
        + "\r\n\r\n"
        + body;
  }

  /** Everything the server sends until it closes (bounded by a 30 s read timeout). */
  private static String readToEnd(Socket s) {
    try {
      s.setSoTimeout(30_000);
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "closed: " + e;
    }
  }
}
