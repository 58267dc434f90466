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

  /**
   * An integer query parameter in {@code min..max}, or {@code fallback} when absent.
   *
   * @throws BadRequest (400 {@code INVALID_ARGUMENT}, naming the parameter) for any other value;
   *     the admin port answers it as such
   */
  public int intParam(String name, int min, int max, int fallback) throws BadRequest {
    Optional<String> given = queryParam(name);
    if (given.isEmpty()) {
      return fallback;
    }
    String v = given.get();
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below, with the value given
    }
    throw BadRequest.invalid(
        "query parameter '"
            + name
            + "' must be an integer "
            + min
            + ".."
            + max
            + ", got '"
            + ApiFront.clip(v)
            + "'");
  }

  /** A long path parameter, e.g. an id; 400 {@code INVALID_ARGUMENT} naming it otherwise. */
  public long longPathParam(String name) throws BadRequest {
    String v = pathParam(name);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw BadRequest.invalid(
          "path parameter '" + name + "' must be an integer, got '" + ApiFront.clip(v) + "'");
    }
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  public boolean hasBody() {
    return !body.isMissingNode();
  }
}
