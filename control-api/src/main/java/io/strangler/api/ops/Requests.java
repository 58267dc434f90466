package io.strangler.api.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.Errors;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a request record from its JSON body by the contract's input rules: no type coercion ({@link
 * ControlApiJson#requests()}), then the record's own {@link Request#validate()}. Every refusal is
 * INVALID_ARGUMENT naming the field, so a client learns what to fix and no backend ever sees a
 * request the contract calls malformed.
 */
public final class Requests {
  private Requests() {}

  /**
   * The request {@code body} describes, validated.
   *
   * @throws ControlPlaneException INVALID_ARGUMENT when the body is not a JSON object of the
   *     request's fields, a field has the wrong JSON type, or a value breaks a field rule
   */
  public static <Q extends Request> Q read(Class<Q> type, JsonNode body) {
    if (body == null || !body.isObject()) {
      throw Errors.invalid("the body must be a JSON object");
    }
    Q request;
    try {
      request = ControlApiJson.requests().treeToValue(body, type);
    } catch (JsonProcessingException e) {
      throw Errors.invalid(describe(e, body));
    }
    request.validate();
    return request;
  }

  /** A client-facing description of why {@code body} does not map onto the request record. */
  static String describe(JsonProcessingException e, JsonNode body) {
    if (!(e instanceof JsonMappingException m) || m.getPath().isEmpty()) {
      return "the body does not match the request";
    }
    List<JsonMappingException.Reference> path = m.getPath();
    String field = Fields.shown(fieldPath(path));
    if (e instanceof UnrecognizedPropertyException) {
      return "unknown field '" + field + "'";
    }
    JsonNode value = at(body, path);
    Class<?> target = targetType(e);
    if (value != null && value.isIntegralNumber() && isInteger(target)) {
      return "field '" + field + "' is out of range, got " + shown(value);
    }
    return "field '"
        + field
        + "' must be "
        + (target == null ? "of another type" : expected(target))
        + (value == null ? "" : ", got " + shown(value));
  }

  private static String fieldPath(List<JsonMappingException.Reference> path) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        if (!b.isEmpty()) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static JsonNode at(JsonNode body, List<JsonMappingException.Reference> path) {
    JsonNode n = body;
    for (JsonMappingException.Reference r : path) {
      if (n == null) {
        return null;
      }
      n = r.getFieldName() != null ? n.get(r.getFieldName()) : n.get(r.getIndex());
    }
    return n;
  }

  private static Class<?> targetType(JsonProcessingException e) {
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return m.getTargetType();
    }
    // An integer that does not fit its Java type: Jackson wraps the parser's coercion error.
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof InputCoercionException c) {
        return c.getTargetType();
      }
    }
    return null;
  }

  private static boolean isInteger(Class<?> t) {
    return t == Integer.class
        || t == int.class
        || t == Long.class
        || t == long.class
        || t == Short.class
        || t == short.class;
  }

  private static String expected(Class<?> t) {
    if (t == String.class) {
      return "a string";
    }
    if (isInteger(t)) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(t) || t == double.class || t == float.class) {
      return "a number";
    }
    if (t == Boolean.class || t == boolean.class) {
      return "true or false";
    }
    if (t.isEnum()) {
      return "one of "
          + Arrays.stream(t.getEnumConstants())
              .map(c -> '"' + ((Enum<?>) c).name() + '"')
              .collect(Collectors.joining(", "));
    }
    return "an object";
  }

  /** A value the client sent, as a short JSON excerpt: objects and arrays only by kind. */
  private static String shown(JsonNode value) {
    if (value.isObject()) {
      return "an object";
    }
    if (value.isArray()) {
      return "an array";
    }
    return Fields.shown(value.toString());
  }
}
