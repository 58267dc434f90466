package io.strangler.dispatch.repair;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

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
}
