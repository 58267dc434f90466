package io.strangler.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON mapping of the contract: ISO-8601 instants with milliseconds, nulls written out,
 * unknown fields rejected. Both backends' answers and the proxy's bodies go through it.
 */
public final class ControlApiJson {
  private static final ObjectMapper MAPPER = base().build();

  /**
   * The same mapping, reading without any type coercion: Jackson by default turns {@code "250"}
   * into 250, {@code 5.7} into 5, {@code 42} into {@code "42"} and {@code 1} into true, so a
   * request the contract calls malformed would reach a backend as some other request. Only request
   * bodies are read with it; answers and files keep {@link #mapper()}.
   */
  private static final ObjectMapper REQUESTS =
      base()
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS) // "50" -> 50, "true" -> true
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // 5.7 -> 5
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS) // 0 -> the first constant
          .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          .disable(DeserializationFeature.UNWRAP_SINGLE_VALUE_ARRAYS)
          .disable(DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT)
          .withCoercionConfigDefaults(c -> c.setAcceptBlankAsEmpty(false))
          // A string field takes only a JSON string: scalars are not turned into their text.
          .withCoercionConfig(
              LogicalType.Textual,
              c -> {
                c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
              })
          // Numbers and booleans take only their own JSON kind ("" is not null, 1 is not true).
          .withCoercionConfig(
              LogicalType.Integer,
              c -> {
                c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
              })
          .withCoercionConfig(
              LogicalType.Float,
              c -> {
                c.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
              })
          .withCoercionConfig(
              LogicalType.Boolean,
              c -> {
                c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
                c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
              })
          .build();

  private ControlApiJson() {}

  private static JsonMapper.Builder base() {
    return JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** The shared, thread-safe mapper. Do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * The mapper for request bodies: {@link #mapper()} without type coercion (a number field takes a
   * JSON number of its kind, a string field a JSON string, a boolean field true or false). Use
   * {@link Operation#parse} to read a request; do not reconfigure it.
   */
  public static ObjectMapper requests() {
    return REQUESTS;
  }
}
