package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shadow hooks of {@link ApiSpec}: what the defaults do and what {@link ApiSpec#of} keeps. */
class ApiSpecTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final ObjectNode body = JSON.objectNode().put("key", "k-1");
  private final Prepared prepared = Prepared.of(body, "k-1", "item:k-1");
  private final JsonNode answer = JSON.objectNode().put("owner", "o-7");

  /** A spec that overrides nothing: what an API gets without a shadow derivation. */
  private final ApiSpec plain =
      new ApiSpec() {
        @Override
        public String name() {
          return "Put";
        }

        @Override
        public Kind kind() {
          return Kind.WRITE;
        }

        @Override
        public Prepared prepare(JsonNode b) {
          return Prepared.of(b, "k", "item:k");
        }
      };

  @Test
  void shadowRequest_byDefault_isTheClientsRequest() {
    assertThat(plain.shadowRequest(prepared, answer)).isSameAs(prepared);
    assertThat(ApiSpec.of("Put", ApiSpec.Kind.WRITE, b -> prepared).shadowRequest(prepared, answer))
        .isSameAs(prepared);
  }

  @Test
  void orderingKeys_byDefault_areTheRequestsEntity() {
    assertThat(plain.orderingKeys(prepared, answer)).containsExactly("item:k-1");
    assertThat(ApiSpec.of("Put", ApiSpec.Kind.WRITE, b -> prepared).orderingKeys(prepared, answer))
        .containsExactly("item:k-1");
  }

  @Test
  void of_withADerivation_usesItsRequestAndKeys() {
    ApiSpec spec = ApiSpec.of("Put", ApiSpec.Kind.WRITE, b -> prepared, new OwnerAware());

    Prepared shadow = spec.shadowRequest(prepared, answer);

    assertThat(shadow.request()).isEqualTo("put k-1 for o-7");
    assertThat(spec.orderingKeys(prepared, answer)).containsExactly("item:k-1", "owner:o-7");
  }

  @Test
  void of_derivationThatChangesBodyOrKeys_keepsTheClientsBodyAndKeys() {
    ApiSpec.ShadowDerivation rewriting =
        new ApiSpec.ShadowDerivation() {
          @Override
          public Prepared shadowRequest(Prepared p, JsonNode a) {
            return new Prepared(JSON.objectNode(), "rewritten", "other-route", "other:entity");
          }
        };
    ApiSpec spec = ApiSpec.of("Put", ApiSpec.Kind.WRITE, b -> prepared, rewriting);

    Prepared shadow = spec.shadowRequest(prepared, answer);

    assertThat(shadow).isEqualTo(new Prepared(body, "rewritten", "k-1", "item:k-1"));
  }

  @Test
  void of_derivationThatLeavesOutTheEntity_getsItFirst() {
    ApiSpec.ShadowDerivation otherOnly =
        new ApiSpec.ShadowDerivation() {
          @Override
          public Collection<String> orderingKeys(Prepared p, JsonNode a) {
            return List.of("owner:o-7", "owner:o-7");
          }
        };
    ApiSpec spec = ApiSpec.of("Put", ApiSpec.Kind.WRITE, b -> prepared, otherOnly);

    assertThat(spec.orderingKeys(prepared, answer)).containsExactly("item:k-1", "owner:o-7");
  }

  @Test
  void of_withoutADerivation_isRefused() {
    assertThatThrownBy(() -> ApiSpec.of("Put", ApiSpec.Kind.WRITE, b -> prepared, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("shadows");
  }

  /** Tells the shadow whom the authoritative backend named as owner, and orders by that owner. */
  private static final class OwnerAware implements ApiSpec.ShadowDerivation {
    @Override
    public Prepared shadowRequest(Prepared p, JsonNode a) {
      String owner = a.path("owner").asText();
      return new Prepared(
          p.body(), "put " + p.routingKey() + " for " + owner, p.routingKey(), p.entityKey());
    }

    @Override
    public Collection<String> orderingKeys(Prepared p, JsonNode a) {
      return List.of(p.entityKey(), "owner:" + a.path("owner").asText());
    }
  }
}
