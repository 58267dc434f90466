package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import io.strangler.api.Operation;
import io.strangler.api.ops.Request;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Registers the control API v1 into the generic proxy: one {@link ApiSpec} per {@link Operation}
 * (parse the body into the operation's request record and validate it, so bad input never reaches a
 * backend), and a {@link Backend} over each {@link ControlPlane}.
 */
public final class ControlApiBinding {
  private static final ObjectMapper JSON = ControlApiJson.mapper();
  private static final Map<String, Operation<?>> OPERATIONS =
      Operation.ALL.stream()
          .collect(Collectors.toUnmodifiableMap(Operation::name, Function.identity()));

  private ControlApiBinding() {}

  /** Every operation of the control API v1. */
  public static ApiRegistry registry() {
    ApiRegistry.Builder b = ApiRegistry.builder();
    for (Operation<?> op : Operation.ALL) {
      b.add(spec(op));
    }
    return b.build();
  }

  static ApiSpec spec(Operation<?> op) {
    ApiSpec.Kind kind = op.isWrite() ? ApiSpec.Kind.WRITE : ApiSpec.Kind.READ;
    return ApiSpec.of(op.name(), kind, body -> prepare(op, body), ControlApiShadows.of(op));
  }

  static Prepared prepare(Operation<?> op, JsonNode body) throws BadRequest {
    Request request;
    try {
      request = op.parse(body);
    } catch (ControlPlaneException e) {
      throw new BadRequest(e.code().name(), e.code().httpStatus(), e.getMessage());
    }
    ControlApiShadows.rejectProxyOnlyFields(request);
    return new Prepared(body, request, request.routingKey(), request.entityKey());
  }

  /** The proxy's side over one control plane. */
  public static Backend backend(ControlPlane plane) {
    return backend(plane, ControlApiShadows.OwnDecisions.NONE);
  }

  /**
   * The proxy's side over one control plane, telling {@code decisions} when the plane, as a shadow
   * told where to place a container, would have placed it elsewhere itself.
   */
  public static Backend backend(ControlPlane plane, ControlApiShadows.OwnDecisions decisions) {
    return new PlaneBackend(plane, decisions);
  }

  private record PlaneBackend(ControlPlane plane, ControlApiShadows.OwnDecisions decisions)
      implements Backend {
    @Override
    public String name() {
      return plane.name();
    }

    @Override
    public Reply call(String operation, Prepared request, Stamp stamp) {
      Operation<?> op = OPERATIONS.get(operation);
      if (op == null) {
        return Reply.failed(ErrorCode.INTERNAL.name(), 500, "no such operation " + operation);
      }
      try {
        Request typed = request.request(Request.class);
        Object answer = op.call(plane, typed, new CallContext(stamp.requestId(), stamp.now()));
        ControlApiShadows.noteOwnDecision(operation, typed, answer, decisions);
        // Written as JSON by the proxy, as bytes for the client and as a tree only if read.
        return Reply.ok(answer, JSON);
      } catch (ControlPlaneException e) {
        return Reply.failed(e.code().name(), e.code().httpStatus(), e.getMessage());
      }
    }

    @Override
    public boolean ready() {
      try {
        plane.ping();
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }
}
