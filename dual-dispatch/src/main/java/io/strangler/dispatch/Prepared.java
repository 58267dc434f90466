package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A request that passed its {@link ApiSpec#prepare} check.
 *
 * @param body the JSON body as the client sent it (what the sink and the diff see)
 * @param request the API's own form of the request (for example a typed record), parsed once so
 *     that backends need not parse again; the body itself when the API has no other form
 * @param routingKey the key gradual rollouts stick to, so one key always gets the same decision
 * @param entityKey the entity the call touches: shadow writes of one entity are applied in the
 *     order the authoritative backend answered them
 */
public record Prepared(JsonNode body, Object request, String routingKey, String entityKey) {
  public Prepared {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(routingKey, "routingKey");
    Objects.requireNonNull(entityKey, "entityKey");
  }

  /** A request whose only form is its JSON body. */
  public static Prepared of(JsonNode body, String routingKey, String entityKey) {
    return new Prepared(body, body, routingKey, entityKey);
  }

  /** The API's form of the request, as {@code type}. */
  public <T> T request(Class<T> type) {
    return type.cast(request);
  }
}
