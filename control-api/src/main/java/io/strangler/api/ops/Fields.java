package io.strangler.api.ops;

import io.strangler.api.Errors;
import java.util.regex.Pattern;

/** Field checks shared by every request. */
final class Fields {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern SLUG = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?");

  private Fields() {}

  static void id(String field, String value) {
    present(field, value);
    if (!ID.matcher(value).matches()) {
      throw Errors.invalid(
          "field '" + field + "' must be 1-128 characters of [A-Za-z0-9._-], got '" + value + "'");
    }
  }

  static void slug(String value) {
    present("slug", value);
    if (!SLUG.matcher(value).matches()) {
      throw Errors.invalid(
          "field 'slug' must be 1-64 lowercase letters, digits or inner hyphens, got '" + value + "'");
    }
  }

  static void present(String field, Object value) {
    if (value == null || (value instanceof String s && s.isBlank())) {
      throw Errors.missingField(field);
    }
  }
}
