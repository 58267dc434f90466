package io.strangler.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One authenticated admin call.
 *
 * @param pathParams the values of the route's {@code {name}} segments
 * @param query query parameters, each with its values in order
 * @param headers request headers by lower-case name (the first value of each)
 * @param body the JSON body; a {@code MissingNode} when there is none
 * @param remote where the call came from
 */
public record AdminRequest(
    String method,
    String path,
    Map<String, String> pathParams,
    Map<String, List<String>> query,
    Map<String, String> headers,
    JsonNode body,
    SocketAddress remote) {

  public AdminRequest {
    pathParams = Map.copyOf(pathParams);
    query = Map.copyOf(query);
    headers = Map.copyOf(headers);
  }

  /** A path parameter the route declares. */
  public String pathParam(String name) {
    String v = pathParams.get(name);
    if (v == null) {
      throw new IllegalArgumentException("the route has no path parameter '" + name + "'");
    }
    return v;
  }

  /** The first value of a query parameter. */
  public Optional<String> queryParam(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  public boolean hasBody() {
    return !body.isMissingNode();
  }
}
