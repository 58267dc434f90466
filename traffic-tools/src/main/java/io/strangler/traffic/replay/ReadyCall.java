package io.strangler.traffic.replay;

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
 */
public record ReadyCall(TrafficCall call, Prepared prepared, BadRequest refused) {
  private static final ApiRegistry APIS = ControlApiBinding.registry();

  public static ReadyCall of(TrafficCall call) {
    try {
      return new ReadyCall(
          call,
          APIS.find(call.operation())
              .orElseThrow(() -> BadRequest.invalid("unknown operation '" + call.operation() + "'"))
              .prepare(call.request()),
          null);
    } catch (BadRequest e) {
      return new ReadyCall(call, null, e);
    }
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
    return call.entity() != null ? call.entity() : prepared.entityKey();
  }
}
