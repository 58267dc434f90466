package io.strangler.dispatch.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import java.util.List;
import java.util.Objects;

/**
 * The entities a write touched, named by keys the {@link EntityRepair} understands. Supplied by the
 * API binding; called off the client's path, only for writes that need a repair.
 */
@FunctionalInterface
public interface TouchedEntities {

  /**
   * @param operation the operation's name
   * @param request the request body as the client sent it
   * @param authoritativeAnswer the authoritative backend's answer, or null when it did not answer
   *     (its write may still have been applied in part)
   * @return the entity keys, none when the write touched nothing that can be repaired
   */
  List<String> of(String operation, JsonNode request, JsonNode authoritativeAnswer);

  /**
   * The keys by which the registry's APIs order their shadow writes ({@link ApiSpec#orderingKeys}):
   * every entity a write touched, from its request and the authoritative answer. When the
   * authoritative backend did not answer, the spec is given an empty answer and names what the
   * request alone names.
   *
   * @throws IllegalArgumentException (from {@link #of}) for an operation the registry lacks or a
   *     request its spec refuses
   */
  static TouchedEntities orderingKeys(ApiRegistry apis) {
    Objects.requireNonNull(apis, "apis");
    return (operation, request, answer) -> {
      ApiSpec spec =
          apis.find(operation)
              .orElseThrow(() -> new IllegalArgumentException("no operation " + operation));
      Prepared prepared;
      try {
        prepared = spec.prepare(request);
      } catch (BadRequest e) {
        throw new IllegalArgumentException(
            "a recorded " + operation + " request no longer parses: " + e.getMessage(), e);
      }
      JsonNode known = answer != null ? answer : JsonNodeFactory.instance.objectNode();
      return List.copyOf(spec.orderingKeys(prepared, known));
    };
  }
}
