package io.strangler.dispatch;

import static io.strangler.dispatch.TestProxy.get;
import static io.strangler.dispatch.TestProxy.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.dispatch.kv.KvApi;
import io.strangler.dispatch.testing.RecordingSink;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A backend may answer with its own object ({@link Reply#ok(Object, ObjectMapper)}): the client's
 * bytes are written from it, the JSON tree is made only when something reads it, and an answer that
 * cannot be written is the call's failure.
 */
class LazyAnswerTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** An answer that counts how often it is written (each write reads its one property). */
  public static final class Counted {
    private final AtomicInteger writes;
    private final String value;

    Counted(AtomicInteger writes, String value) {
      this.writes = writes;
      this.value = value;
    }

    public String getValue() {
      writes.incrementAndGet();
      return value;
    }
  }

  /** An answer no mapper can write. */
  public static final class Unwritable {
    public String getValue() {
      throw new IllegalStateException("this answer cannot be read");
    }
  }

  @Test
  void bytesAndTree_eachMadeOnce_andTheTreeOnlyWhenAsked() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    Reply.Ok ok = (Reply.Ok) Reply.ok(new Counted(writes, "v1"), MAPPER);

    byte[] bytes = ok.bytes();
    assertThat(writes).hasValue(1);
    assertThat(ok.bytes()).isSameAs(bytes);
    assertThat(writes).as("the client's bytes do not make the tree").hasValue(1);

    assertThat(ok.body()).isEqualTo(MAPPER.readTree("{\"value\":\"v1\"}"));
    assertThat(ok.body()).isSameAs(ok.body());
    assertThat(writes).hasValue(2);
    assertThat(MAPPER.readTree(bytes)).isEqualTo(ok.body());
    assertThat(ok).isEqualTo(Reply.ok(MAPPER.readTree("{\"value\":\"v1\"}")));
  }

  private static Backend answering(String name, Object answer) {
    return new Backend() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Reply call(String operation, Prepared request, Stamp stamp) {
        return Reply.ok(answer, MAPPER);
      }
    };
  }

  @Test
  void singleBackendMode_answersTheClientWithoutMakingATree() {
    AtomicInteger writes = new AtomicInteger();
    RecordingSink sink = new RecordingSink();
    try (TestProxy proxy =
        TestProxy.start(
            new FakeFlags(Mode.LEGACY_ONLY),
            answering("legacy", new Counted(writes, "from-legacy")),
            answering("new", new Counted(new AtomicInteger(), "from-new")),
            sink)) {
      HttpResponse<String> r = proxy.post(KvApi.GET, get("k"), "lazy-1");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).path("value").asText()).isEqualTo("from-legacy");
      await().atMost(WAIT).until(() -> sink.byRequestId("lazy-1") != null);
      assertThat(writes).as("written once, for the client").hasValue(1);
      // The sink can still read the tree; it is made then.
      Outcome.Answer a = (Outcome.Answer) sink.byRequestId("lazy-1").authoritative();
      assertThat(a.body().path("value").asText()).isEqualTo("from-legacy");
      assertThat(writes).hasValue(2);
    }
  }

  @Test
  void answersThatCannotBeWritten_areInternalFailures_authoritativeAndShadow() {
    RecordingSink sink = new RecordingSink();
    FakeFlags flags = new FakeFlags(Mode.LEGACY_ONLY);
    try (TestProxy proxy =
        TestProxy.start(
            flags,
            answering("legacy", new Unwritable()),
            answering("new", new Unwritable()),
            sink)) {
      HttpResponse<String> r = proxy.post(KvApi.GET, get("k"), "bad-1");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(json(r).path("code").asText()).isEqualTo("INTERNAL");
      assertThat(json(r).path("message").asText())
          .contains("legacy answered what cannot be written");

      flags.setDefault(Mode.SHADOW);
      proxy.post(KvApi.GET, get("k"), "bad-2");
      await().atMost(WAIT).until(() -> sink.byRequestId("bad-2") != null);
      assertThat(sink.byRequestId("bad-2").shadow())
          .isInstanceOfSatisfying(
              Outcome.Failure.class,
              f -> {
                assertThat(f.code()).isEqualTo("INTERNAL");
                assertThat(f.message()).contains("new answered what cannot be written");
              });
    }
  }
}
