package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.get;
import static io.strangler.dispatch.TestProxy.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.dispatch.kv.KvApi;
import io.strangler.dispatch.testing.CountingBackend;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The traffic recorder behind a real proxy over Redis and PostgreSQL. */
@ExtendWith(RealServers.class)
class RecordingProxyTest {
  private final KvStores stores;
  private TestProxy proxy;

  @TempDir Path dir;

  RecordingProxyTest(RealServers.RedisDb redis, RealServers.PostgresDb postgres) {
    this.stores = new KvStores(redis, postgres);
    stores.flush();
  }

  @AfterEach
  void close() {
    if (proxy != null) {
      proxy.close();
    }
    stores.close();
  }

  @Test
  void everyCall_isWrittenWithTheProxysStamp_andTheAnswerTheClientGot() throws Exception {
    Path file = dir.resolve("traffic.jsonl");
    CountingBackend legacy = new CountingBackend(stores.redis);
    Map<String, HttpResponse<String>> responses = new HashMap<>();
    try (TrafficRecorder recorder = TrafficRecorder.start(RecordingConfig.builder(file).build())) {
      proxy = TestProxy.start(new FakeFlags(Mode.SHADOW), legacy, stores.postgres, recorder);
      for (int i = 0; i < 50; i++) {
        responses.put("put-" + i, proxy.post(KvApi.PUT, put("k" + (i % 7), "v" + i), "put-" + i));
        responses.put("get-" + i, proxy.post(KvApi.GET, get("k" + (i % 9)), "get-" + i));
      }
      await().until(() -> recorder.stats().written() == 100);
    }

    Map<String, Instant> stamps = new HashMap<>();
    legacy.stamps().forEach(s -> stamps.put(s.requestId(), s.now()));
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(100);
    for (String text : lines) {
      JsonNode line = TestProxy.JSON.readTree(text);
      String id = line.get("requestId").asText();
      HttpResponse<String> response = responses.get(id);
      assertThat(response).as(id).isNotNull();
      assertThat(Instant.parse(line.get("time").asText())).as(id).isEqualTo(stamps.get(id));
      assertThat(line.get("mode").asText()).isEqualTo("SHADOW");
      if (response.statusCode() == 200) {
        assertThat(line.get("answer")).as(id).isEqualTo(TestProxy.json(response));
      } else {
        assertThat(line.get("error")).as(id).isEqualTo(TestProxy.json(response));
        assertThat(line.get("status").asInt()).as(id).isEqualTo(response.statusCode());
      }
    }
    assertThat(lines).anyMatch(l -> l.contains("\"status\":404"));
  }

  /** A disk that stops: every write waits until released. */
  private static final class StuckDisk extends FilterOutputStream {
    final CountDownLatch release = new CountDownLatch(1);

    StuckDisk(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      out.write(b, off, len);
    }
  }

  @Test
  void aStuckRecorder_neverFailsNorHoldsAClientCall_andTheSinksAfterItSeeEveryCall()
      throws Exception {
    Path file = dir.resolve("stuck.jsonl");
    StuckDisk[] disk = new StuckDisk[1];
    FileTrafficRecorder recorder =
        new FileTrafficRecorder(
            RecordingConfig.builder(file).queueCapacity(8).build(),
            p -> disk[0] = new StuckDisk(FileTrafficRecorder.FILES.open(p)));
    CountingSink after = new CountingSink();
    int calls = 300;
    try {
      proxy =
          TestProxy.start(
              new FakeFlags(Mode.SHADOW), stores.redis, stores.postgres, recorder.andThen(after));
      for (int i = 0; i < calls; i++) {
        HttpResponse<String> r =
            i % 2 == 0
                ? proxy.post(KvApi.PUT, put("k" + i, "v"))
                : proxy.post(KvApi.GET, get("k" + (i - 1)));
        assertThat(r.statusCode()).as("call %d: %s", i, r.body()).isEqualTo(200);
      }
      await().until(() -> after.exchanges() == calls);
      RecordingStats stuck = recorder.stats();
      assertThat(stuck.written()).isZero();
      // The calls the stuck writer took before its flush blocked, eight queued, the rest dropped
      // and counted.
      assertThat(stuck.queueDepth()).isEqualTo(8);
      assertThat(stuck.droppedQueueFull()).isGreaterThan(calls / 2);
      disk[0].release.countDown();
      await()
          .until(() -> recorder.stats().written() + recorder.stats().droppedQueueFull() == calls);
    } finally {
      if (disk[0] != null) {
        disk[0].release.countDown();
      }
      recorder.close(Duration.ofSeconds(10));
    }
    assertThat(Files.readAllLines(file)).hasSize((int) recorder.stats().written());
  }
}
