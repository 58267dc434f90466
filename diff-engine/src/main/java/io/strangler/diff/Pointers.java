package io.strangler.diff;

import java.util.ArrayList;
import java.util.List;

/**
 * JSON Pointer (RFC 6901) tokens as the rules use them: a segment {@code *} matches any one array
 * element or object field. Parsed once, when rules load; never on the comparison path.
 */
final class Pointers {
  static final String WILDCARD = "*";

  private Pointers() {}

  /**
   * The unescaped segments of {@code pointer}; the empty pointer (the whole document) has none.
   *
   * @throws IllegalArgumentException with a message saying what is wrong with the pointer
   */
  static List<String> parse(String pointer) {
    if (pointer.isEmpty()) {
      return List.of();
    }
    if (pointer.charAt(0) != '/') {
      throw new IllegalArgumentException("a JSON Pointer starts with '/'");
    }
    List<String> segments = new ArrayList<>();
    int start = 1;
    while (true) {
      int slash = pointer.indexOf('/', start);
      String raw = slash < 0 ? pointer.substring(start) : pointer.substring(start, slash);
      segments.add(segment(raw));
      if (slash < 0) {
        return List.copyOf(segments);
      }
      start = slash + 1;
    }
  }

  private static String segment(String raw) {
    if (raw.isEmpty()) {
      throw new IllegalArgumentException("empty segment (a trailing or doubled '/')");
    }
    if (raw.indexOf('*') >= 0 && !raw.equals(WILDCARD)) {
      throw new IllegalArgumentException(
          "'*' must be a whole segment (it matches any one array element or object field): '"
              + raw
              + "'");
    }
    if (raw.indexOf('~') < 0) {
      return raw;
    }
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '~') {
        out.append(c);
        continue;
      }
      char next = i + 1 < raw.length() ? raw.charAt(i + 1) : '\0';
      if (next == '0') {
        out.append('~');
      } else if (next == '1') {
        out.append('/');
      } else {
        throw new IllegalArgumentException("'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
      }
      i++;
    }
    return out.toString();
  }

  /** Appends {@code /token} to {@code path}, escaping '~' and '/' as RFC 6901 says. */
  static void append(StringBuilder path, String token) {
    path.append('/');
    if (token.indexOf('~') < 0 && token.indexOf('/') < 0) {
      path.append(token);
      return;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '~') {
        path.append("~0");
      } else if (c == '/') {
        path.append("~1");
      } else {
        path.append(c);
      }
    }
  }
}
