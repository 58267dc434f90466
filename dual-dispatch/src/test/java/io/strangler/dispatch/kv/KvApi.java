package io.strangler.dispatch.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import java.util.Iterator;
import java.util.Set;

/**
 * A tiny key-value API for exercising the proxy without any real control plane: {@code Put {key,
 * value}} and {@code Create {key, value}} (writes; Create fails with ALREADY_EXISTS on a taken
 * key) and {@code Get {key}} (a read; NOT_FOUND on a missing key). Both backends answer {@code
 * {key, value}}.
 */
public final class KvApi {
  public static final String PUT = "Put";
  public static final String CREATE = "Create";
  public static final String GET = "Get";

  /** A checked request. */
  public record KvRequest(String key, String value) {}

  private static final Set<String> WRITE_FIELDS = Set.of("key", "value");
  private static final Set<String> READ_FIELDS = Set.of("key");

  private KvApi() {}

  public static ApiRegistry registry() {
    return ApiRegistry.builder()
        .add(ApiSpec.of(PUT, ApiSpec.Kind.WRITE, body -> prepare(body, WRITE_FIELDS)))
        .add(ApiSpec.of(CREATE, ApiSpec.Kind.WRITE, body -> prepare(body, WRITE_FIELDS)))
        .add(ApiSpec.of(GET, ApiSpec.Kind.READ, body -> prepare(body, READ_FIELDS)))
        .build();
  }

  private static Prepared prepare(JsonNode body, Set<String> fields) throws BadRequest {
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw BadRequest.invalid("unknown field '" + name + "'");
      }
    }
    String key = text(body, "key", 128);
    String value = fields.contains("value") ? text(body, "value", 4096) : null;
    return new Prepared(body, new KvRequest(key, value), key, "kv:" + key);
  }

  private static String text(JsonNode body, String field, int maxLength) throws BadRequest {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw BadRequest.missingField(field);
    }
    if (!v.isTextual()) {
      throw BadRequest.wrongType(field, "a string");
    }
    String s = v.textValue();
    if (s.isEmpty() || s.length() > maxLength) {
      throw BadRequest.invalid(
          "field '" + field + "' must be 1-" + maxLength + " characters, got " + s.length());
    }
    return s;
  }

  public static ObjectNode entry(String key, String value) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("key", key);
    n.put("value", value);
    return n;
  }

  public static Reply notFound(String key) {
    return Reply.failed("NOT_FOUND", 404, "key '" + key + "' not found");
  }

  public static Reply exists(String key) {
    return Reply.failed("ALREADY_EXISTS", 409, "key '" + key + "' already exists");
  }
}
