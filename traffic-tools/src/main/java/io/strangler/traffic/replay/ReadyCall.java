package io.strangler.traffic.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ops.EntityKeys;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import io.strangler.proxy.ControlApiBinding;

/**
 * A call checked once, before it is scheduled, the way the proxy checks it: parsed into its request
 * record and validated. A call the proxy would refuse keeps its refusal and touches no backend.
 *
 * @param prepared the checked request; null when refused
 * @param refused why the proxy would refuse it; null when prepared
 * @param routingKey what a proxy target sends as {@code X-Routing-Key} so that a load balancer
 *     keeps one entity's calls on one instance: the entity key the call is ordered by ({@code
 *     repl:r-1}, {@code machine:m-1}, ...), the repl a recorded hosting read answered, or the key
 *     its maker named; null when refused
 */
public record ReadyCall(
    TrafficCall call, Prepared prepared, BadRequest refused, String routingKey) {
  private static final ApiRegistry APIS = ControlApiBinding.registry();

  /**
   * The longest header value the proxy takes ({@code X-Routing-Key}, like {@code X-Request-Id}).
   */
  static final int MAX_ROUTING_KEY = 128;

  /** A call routed by the entity it is ordered by. */
  public static ReadyCall of(TrafficCall call) {
    return of(call, null);
  }

  /**
   * A call routed by {@code routingKey}, an entity key the caller knows the call is about better
   * than its request says (a GetHostingMetadata names a slug, but is about the slug's repl); null
   * to route by the entity the call is ordered by.
   */
  public static ReadyCall of(TrafficCall call, String routingKey) {
    Prepared prepared;
    try {
      prepared =
          APIS.find(call.operation())
              .orElseThrow(() -> BadRequest.invalid("unknown operation '" + call.operation() + "'"))
              .prepare(call.request());
    } catch (BadRequest e) {
      return new ReadyCall(call, null, e, null);
    }
    String key = routingKey != null ? routingKey : routingKey(call, prepared);
    return new ReadyCall(call, prepared, null, headerValue(key));
  }

  /**
   * The entity the call is ordered by, except a call keyed by a slug (GetHostingMetadata) whose
   * recorded answer names its repl: that repl, so that it goes where the repl's other calls go.
   */
  private static String routingKey(TrafficCall call, Prepared prepared) {
    String lane = laneKey(call, prepared);
    if (lane.startsWith("slug:") && call.recorded() instanceof Answer.Ok ok) {
      JsonNode repl = ok.body().get("replId");
      if (repl != null && repl.isTextual()) {
        return EntityKeys.repl(repl.asText());
      }
    }
    return lane;
  }

  /**
   * The lane the call waits in: calls of one entity ({@code Request.entityKey}, or the entity the
   * call is known to change) are sent one after the other, in order; a refused call touches nothing
   * and waits for nothing.
   */
  public String laneKey() {
    if (prepared == null) {
      return "refused:" + call.requestId();
    }
    return laneKey(call, prepared);
  }

  private static String laneKey(TrafficCall call, Prepared prepared) {
    return call.entity() != null ? call.entity() : prepared.entityKey();
  }

  /**
   * An entity key as a header value: ids are at most 128 characters of {@code [A-Za-z0-9._-]}, so
   * {@code repl:<id>} fits unless the id is among the longest; then the id alone, which is as
   * stable a key for that entity.
   */
  static String headerValue(String entityKey) {
    if (entityKey.length() <= MAX_ROUTING_KEY) {
      return entityKey;
    }
    String id = entityKey.substring(entityKey.indexOf(':') + 1);
    return id.length() <= MAX_ROUTING_KEY ? id : id.substring(0, MAX_ROUTING_KEY);
  }
}
