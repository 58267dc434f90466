package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {
  private final CharsetDecoder jdk =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private boolean jdkAccepts(byte[] b) {
    try {
      jdk.reset().decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  // Called millions of times: an AssertJ chain per sequence would dominate the run time.
  private void assertAgreesWithTheJdk(byte[] b) {
    boolean ours = Utf8.invalidAt(b, 0, b.length) < 0;
    if (ours != jdkAccepts(b)) {
      throw new AssertionError(
          HexFormat.ofDelimiter(" ").formatHex(b) + ": ours " + ours + ", the JDK's " + !ours);
    }
  }

  /**
   * Bytes past the second only need to be a continuation byte (80-BF) or not: its two edges and one
   * byte on each side.
   */
  private static final int[] EDGES = {0x7f, 0x80, 0xbf, 0xc0};

  @Test
  void invalidAt_agreesWithTheJdk_onEveryLeadAndSecondByte() {
    for (int a = 0; a < 256; a++) {
      assertAgreesWithTheJdk(new byte[] {(byte) a});
      for (int b = 0; b < 256; b++) {
        assertAgreesWithTheJdk(new byte[] {(byte) a, (byte) b});
        for (int c : a < 0xc0 ? new int[0] : EDGES) {
          assertAgreesWithTheJdk(new byte[] {(byte) a, (byte) b, (byte) c});
          if (a >= 0xf0) {
            for (int d : EDGES) {
              assertAgreesWithTheJdk(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
            }
          }
        }
      }
    }
  }

  @Test
  void invalidAt_agreesWithTheJdk_onRandomBytes() {
    Random random = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[1 + random.nextInt(8)];
      random.nextBytes(b);
      assertAgreesWithTheJdk(b);
    }
  }

  @Test
  void invalidAt_namesTheFirstBadByte_withinTheRangeGiven() {
    byte[] b = {
      'x', '{', '"', (byte) 0xc3, (byte) 0xa9, (byte) 0xc0, (byte) 0x80, '"', (byte) 0xff
    };
    assertThat(Utf8.invalidAt(b, 1, 7)).isEqualTo(5);
    assertThat(Utf8.invalidAt(b, 1, 4)).isEqualTo(-1);
    assertThat(Utf8.invalidAt(b, 1, 3)).isEqualTo(3); // the body ends inside é
  }

  @Test
  void parse_refusesWhatJacksonWouldDecode() throws Exception {
    // Jackson alone reads these as NUL, "A" and a lone surrogate.
    for (byte[] value :
        new byte[][] {
          {(byte) 0xc0, (byte) 0x80},
          {(byte) 0xc1, (byte) 0x81},
          {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
          {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        }) {
      byte[] body = new byte[13 + value.length];
      System.arraycopy("{\"replId\":\"r".getBytes(StandardCharsets.US_ASCII), 0, body, 0, 11);
      System.arraycopy(value, 0, body, 11, value.length);
      body[body.length - 2] = '"';
      body[body.length - 1] = '}';
      assertThatThrownBy(() -> Json.parse(Unpooled.wrappedBuffer(body)))
          .isInstanceOf(JsonParseException.class)
          .hasMessage("invalid UTF-8 at byte 11 of the body");
    }
    assertThat(
            Json.parse(Unpooled.wrappedBuffer("{\"a\":\"é😀\"}".getBytes(StandardCharsets.UTF_8)))
                .get("a")
                .asText())
        .isEqualTo("é😀");
  }
}
