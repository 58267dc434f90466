package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strangler.dispatch.kv.KvApi;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {
  private static ProxyConfig.Builder valid() {
    return ProxyConfig.builder().adminToken("0123456789abcdef");
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    ProxyConfig c = valid().shadowTimeout("Get", Duration.ofMillis(50)).build();

    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.adminPort()).isEqualTo(8081);
    assertThat(c.adminBindAddress()).isEqualTo("127.0.0.1");
    assertThat(c.maxBodyBytes()).isEqualTo(1 << 20);
    assertThat(c.shadowTimeout("Get")).isEqualTo(Duration.ofMillis(50));
    assertThat(c.shadowTimeout("Put")).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.toString()).doesNotContain("0123456789abcdef");
  }

  @Test
  void hardeningDefaults_areTheDocumentedOnes() {
    ProxyConfig c = valid().deadline("Get", Duration.ofMillis(300)).build();

    assertThat(c.deadline("Get")).isEqualTo(Duration.ofMillis(300));
    assertThat(c.deadline("Put")).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.shadowDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.requestReadTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.maxConnections()).isEqualTo(10_000);
    assertThat(c.authoritativeConnections()).isEqualTo(16);
    assertThat(c.shadowConnections()).isEqualTo(8);
    assertThat(c.hasApiToken()).isFalse();
    assertThat(valid().apiToken("api-token-0123456789").build().toString())
        .contains("apiToken=set")
        .doesNotContain("api-token-0123456789");
  }

  @Test
  void hardeningValuesOutOfRange_failWithTheValueGiven() {
    assertThatThrownBy(() -> valid().apiToken("short").build())
        .hasMessage("apiToken must be at least 16 characters, got 5");
    assertThatThrownBy(() -> valid().deadline(Duration.ZERO).build())
        .hasMessage("deadline must be positive, got PT0S");
    assertThatThrownBy(() -> valid().deadline("Get", Duration.ofSeconds(-1)).build())
        .hasMessage("deadline of Get must be positive, got PT-1S");
    assertThatThrownBy(() -> valid().maxConnections(0).build())
        .hasMessage("maxConnections must be at least 1, got 0");
    assertThatThrownBy(() -> valid().shadowConnections(0).build())
        .hasMessage("shadowConnections must be at least 1, got 0");
    assertThatThrownBy(() -> valid().requestReadTimeout(null).build())
        .hasMessage("requestReadTimeout must be positive, got null");
  }

  @Test
  void missingAdminToken_failsSayingWhy() {
    assertThatThrownBy(() -> ProxyConfig.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("adminToken is required");
    assertThatThrownBy(() -> ProxyConfig.builder().adminToken("short").build())
        .hasMessage("adminToken must be at least 16 characters, got 5");
  }

  @Test
  void outOfRangeValues_failWithTheValueGiven() {
    assertThatThrownBy(() -> valid().port(70000).build())
        .hasMessage("port must be 0..65535 (0 picks a free port), got 70000");
    assertThatThrownBy(() -> valid().port(9000).adminPort(9000).adminBindAddress("0.0.0.0").build())
        .hasMessageContaining("give them two ports");
    assertThatThrownBy(() -> valid().shadowBudget(0).build())
        .hasMessage("shadowBudget must be at least 1, got 0");
    assertThatThrownBy(() -> valid().shadowTimeout("Get", Duration.ZERO).build())
        .hasMessage("shadowTimeout of Get must be positive, got PT0S");
    assertThatThrownBy(() -> valid().maxBodyBytes(10).build())
        .hasMessage("maxBodyBytes must be at least 1024, got 10");
  }

  @Test
  void shadowTimeoutOfAnUnknownOperation_failsAtStart() {
    ProxyConfig c = valid().port(0).adminPort(0).shadowTimeout("Gte", Duration.ofMillis(5)).build();
    Backend none =
        new Backend() {
          @Override
          public String name() {
            return "none";
          }

          @Override
          public Reply call(String operation, Prepared request, Stamp stamp) {
            return Reply.unavailable("none");
          }
        };

    assertThatThrownBy(
            () ->
                DispatchServer.builder(c)
                    .apis(KvApi.registry())
                    .flags(new FakeFlags(Mode.SHADOW))
                    .legacy(none)
                    .newer(none)
                    .start())
        .hasMessageContaining("a shadow timeout is set for 'Gte'")
        .hasMessageContaining("[Put, Create, Get]");
  }

  @Test
  void registry_rejectsDuplicateAndMalformedNames() {
    ApiSpec get = ApiSpec.of("Get", ApiSpec.Kind.READ, b -> Prepared.of(b, "k", "k"));
    assertThatThrownBy(() -> ApiRegistry.builder().add(get).add(get))
        .hasMessage("operation 'Get' is registered twice");
    assertThatThrownBy(() -> ApiSpec.of("get/x", ApiSpec.Kind.READ, b -> Prepared.of(b, "k", "k")))
        .hasMessageContaining("operation name must match");
  }
}
