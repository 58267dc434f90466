package io.strangler.api.ops;

import io.strangler.api.Errors;
import java.util.regex.Pattern;

/** Field checks shared by every request. */
final class Fields {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern SLUG = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?");

  /** How much of a client's value an error message echoes. */
  private static final int SHOWN_CHARS = 64;

  private Fields() {}

  static void id(String field, String value) {
    present(field, value);
    if (!ID.matcher(value).matches()) {
      throw Errors.invalid(
          "field '"
              + field
              + "' must be 1-128 characters of [A-Za-z0-9._-], got '"
              + shown(value)
              + "'");
    }
  }

  static void slug(String value) {
    present("slug", value);
    if (!SLUG.matcher(value).matches()) {
      throw Errors.invalid(
          "field 'slug' must be 1-64 lowercase letters, digits or inner hyphens, got '"
              + shown(value)
              + "'");
    }
  }

  /**
   * Free text: present, at most {@code maxChars} Unicode characters (code points), no NUL and no
   * lone surrogate. PostgreSQL refuses a NUL in text and both stores write a lone surrogate as
   * {@code ?}, so either would store something other than what the client sent, or make one store
   * refuse what the other took.
   */
  static void text(String field, String value, int maxChars) {
    present(field, value);
    int chars = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        throw Errors.invalid("field '" + field + "' must not contain NUL (U+0000)");
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw Errors.invalid(
            "field '"
                + field
                + "' must be valid Unicode, got a lone surrogate "
                + String.format("U+%04X", (int) c)
                + " at index "
                + i);
      }
      chars++;
    }
    if (chars > maxChars) {
      throw Errors.invalid(
          "field '" + field + "' must be at most " + maxChars + " characters, got " + chars);
    }
  }

  static void present(String field, Object value) {
    if (value == null || (value instanceof String s && s.isBlank())) {
      throw Errors.missingField(field);
    }
  }

  /**
   * A client's value as an error message echoes it: cut to {@value #SHOWN_CHARS} characters and
   * anything but printable ASCII escaped as {@code \\uXXXX}, so a message never carries a NUL, a
   * lone surrogate or a megabyte back to the client and into logs.
   */
  static String shown(String value) {
    StringBuilder b = new StringBuilder(Math.min(value.length(), SHOWN_CHARS) + 16);
    int n = Math.min(value.length(), SHOWN_CHARS);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else {
        b.append(String.format("\\u%04X", (int) c));
      }
    }
    if (value.length() > SHOWN_CHARS) {
      b.append("... (").append(value.length()).append(" characters)");
    }
    return b.toString();
  }
}
