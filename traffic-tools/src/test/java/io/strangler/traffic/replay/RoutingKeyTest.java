package io.strangler.traffic.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ops.EntityKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls sent to a proxy carry {@code X-Routing-Key}: the entity the call is ordered by, so that a
 * load balancer hashing it keeps one repl's calls on one instance. The receiving end is a plain
 * HTTP server that notes the header of each request id.
 */
class RoutingKeyTest {
  private static final ObjectMapper JSON = ControlApiJson.mapper();
  private static final String NONE = "(none)";

  private final Map<String, String> keyByRequestId = new ConcurrentHashMap<>();
  private final ExecutorService serverThreads = Executors.newFixedThreadPool(2);
  private HttpServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        exchange -> {
          String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
          String key = exchange.getRequestHeaders().getFirst("X-Routing-Key");
          keyByRequestId.put(id, key == null ? NONE : key);
          byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    serverThreads.shutdownNow();
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  private static TrafficCall call(String id, String operation, String request) {
    try {
      return new TrafficCall(
          Instant.parse("2026-12-01T10:00:00Z"),
          operation,
          id,
          "SHADOW",
          JSON.readTree(request),
          null,
          "test " + id);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void send(ProxyTarget target, ReadyCall... calls) {
    for (ReadyCall c : calls) {
      assertThat(target.call(c).answer()).isInstanceOf(Answer.Ok.class);
    }
  }

  @Test
  void eachCall_carriesTheEntityItIsOrderedBy() {
    try (ProxyTarget target = new ProxyTarget(base(), Duration.ofSeconds(5))) {
      send(
          target,
          ReadyCall.of(call("c1", "ConnectRepl", "{\"replId\":\"r-1\"}")),
          ReadyCall.of(call("c2", "Heartbeat", "{\"machineId\":\"m-1\",\"cpuPercent\":3}")),
          ReadyCall.of(call("c3", "ListMachines", "{\"cluster\":\"us-1\"}")),
          // A stop is known to be about its repl: routed (and ordered) with it.
          ReadyCall.of(
              call("c4", "StopContainer", "{\"containerId\":\"ctr-9\"}")
                  .withEntity(EntityKeys.repl("r-1"))),
          // A hosting read names a slug; its maker may know the repl.
          ReadyCall.of(
              call("c5", "GetHostingMetadata", "{\"slug\":\"app-1\"}"), EntityKeys.repl("r-1")),
          ReadyCall.of(call("c6", "GetHostingMetadata", "{\"slug\":\"app-2\"}")));
    }

    assertThat(keyByRequestId)
        .containsEntry("c1", "repl:r-1")
        .containsEntry("c2", "machine:m-1")
        .containsEntry("c3", "cluster:us-1")
        .containsEntry("c4", "repl:r-1")
        .containsEntry("c5", "repl:r-1")
        .containsEntry("c6", "slug:app-2");
  }

  @Test
  void aReplayedHostingRead_isRoutedByTheReplItsRecordedAnswerNames() throws IOException {
    TrafficCall recorded =
        new TrafficCall(
            Instant.parse("2026-12-01T10:00:00Z"),
            "GetHostingMetadata",
            "h1",
            "SHADOW",
            JSON.readTree("{\"slug\":\"app-3\"}"),
            new Answer.Ok(JSON.readTree("{\"replId\":\"r-3\",\"cluster\":\"us-1\"}")),
            "traffic.jsonl:7");
    TrafficCall failed =
        new TrafficCall(
            recorded.time(),
            "GetHostingMetadata",
            "h2",
            "SHADOW",
            JSON.readTree("{\"slug\":\"app-4\"}"),
            new Answer.Failed(404, "NOT_FOUND", "no repl has slug 'app-4'"),
            "traffic.jsonl:8");

    assertThat(ReadyCall.of(recorded).routingKey()).isEqualTo("repl:r-3");
    assertThat(ReadyCall.of(recorded).laneKey()).isEqualTo("slug:app-3");
    assertThat(ReadyCall.of(failed).routingKey()).isEqualTo("slug:app-4");
  }

  @Test
  void aCallTheProxyWouldRefuse_carriesNoKey() {
    ReadyCall refused = ReadyCall.of(call("bad", "GetRepl", "{\"replId\":\"no spaces allowed\"}"));
    assertThat(refused.refused()).isNotNull();
    assertThat(refused.routingKey()).isNull();

    try (ProxyTarget target = new ProxyTarget(base(), Duration.ofSeconds(5))) {
      send(target, refused);
    }

    assertThat(keyByRequestId).containsEntry("bad", NONE);
  }

  @Test
  void withRoutingKeysOff_noCallCarriesTheHeader() {
    try (ProxyTarget target = new ProxyTarget(base(), Duration.ofSeconds(5), false)) {
      send(
          target,
          ReadyCall.of(call("c1", "ConnectRepl", "{\"replId\":\"r-1\"}")),
          ReadyCall.of(call("c2", "ListMachines", "{\"cluster\":\"us-1\"}")));
    }

    assertThat(keyByRequestId).containsEntry("c1", NONE).containsEntry("c2", NONE);
  }

  @Test
  void aKeyTooLongForTheHeader_isSentAsTheIdAlone() {
    String longId = "r" + "x".repeat(127);
    ReadyCall c = ReadyCall.of(call("c1", "GetRepl", "{\"replId\":\"" + longId + "\"}"));

    assertThat(c.laneKey()).isEqualTo("repl:" + longId);
    assertThat(c.routingKey()).isEqualTo(longId).hasSize(ReadyCall.MAX_ROUTING_KEY);
    try (ProxyTarget target = new ProxyTarget(base(), Duration.ofSeconds(5))) {
      send(target, c);
    }
    assertThat(keyByRequestId).containsEntry("c1", longId);
  }
}
