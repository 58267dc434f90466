package io.strangler.dispatch;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;

/**
 * The proxy's JSON: request bodies parsed strictly (a duplicate key or trailing garbage is a bad
 * request, so both backends can only see one meaning of a body) and the error shape.
 */
final class Json {
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Json() {}

  /**
   * Parses a body; an empty body is a {@code MissingNode}. A body that is not well-formed UTF-8 is
   * a parse error, never decoded with replacement characters.
   */
  static JsonNode parse(ByteBuf content) throws IOException {
    int length = content.readableBytes();
    byte[] bytes;
    int offset;
    if (content.hasArray()) {
      bytes = content.array();
      offset = content.arrayOffset() + content.readerIndex();
    } else {
      bytes = ByteBufUtil.getBytes(content);
      offset = 0;
    }
    int invalid = Utf8.invalidAt(bytes, offset, length);
    if (invalid >= 0) {
      throw new JsonParseException(
          null, "invalid UTF-8 at byte " + (invalid - offset) + " of the body");
    }
    return MAPPER.readTree(bytes, offset, length);
  }

  /** The short part of a parse error, without Jackson's source excerpt. */
  static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (e.getLocation() != null) {
      m += " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
    return m;
  }

  static ObjectNode error(String code, String message) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("code", code);
    n.put("message", message);
    return n;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      // A tree of plain nodes always serialises; this is a bug, reported as such.
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }

  static byte[] prettyBytes(JsonNode node) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }
}
