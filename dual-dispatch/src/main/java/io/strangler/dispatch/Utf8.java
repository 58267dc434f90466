package io.strangler.dispatch;

/**
 * Well-formed UTF-8 (RFC 3629, Unicode table 3-7). Jackson's byte parser refuses most malformed
 * input but decodes overlong forms ({@code C0 80} as NUL, {@code C1 81} as {@code A}) and sequences
 * above U+10FFFF into lone surrogates, which the stores then write as {@code ?}; a body is checked
 * here first so that only what the client meant reaches a backend.
 */
final class Utf8 {
  private Utf8() {}

  /**
   * The offset of the first byte of {@code a[from, from + length)} that does not start a
   * well-formed character, or -1 when all of it is well-formed.
   */
  static int invalidAt(byte[] a, int from, int length) {
    int end = from + length;
    int i = from;
    while (i < end) {
      int b = a[i] & 0xff;
      if (b < 0x80) {
        i++;
        continue;
      }
      int need; // continuation bytes after the lead
      int lo = 0x80; // the second byte's bounds exclude overlong forms, surrogates, > U+10FFFF
      int hi = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b == 0xe0) {
          lo = 0xa0;
        } else if (b == 0xed) {
          hi = 0x9f;
        }
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b == 0xf0) {
          lo = 0x90;
        } else if (b == 0xf4) {
          hi = 0x8f;
        }
      } else {
        return i; // 80-C1 (continuation or overlong lead) and F5-FF never start a character
      }
      if (end - i <= need) {
        return i; // the body ends inside the character
      }
      int second = a[i + 1] & 0xff;
      if (second < lo || second > hi) {
        return i;
      }
      for (int k = 2; k <= need; k++) {
        int c = a[i + k] & 0xff;
        if (c < 0x80 || c > 0xbf) {
          return i;
        }
      }
      i += need + 1;
    }
    return -1;
  }
}
