package io.strangler.importer;

/**
 * The contract's shapes of ids and slugs (docs/control-api.md, "Errors"), checked without regular
 * expressions: the import checks millions of them.
 */
final class Ids {
  private Ids() {}

  /** 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit. */
  static boolean isId(String s) {
    int n = s.length();
    if (n == 0 || n > 128 || !alnum(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = s.charAt(i);
      if (!alnum(c) && c != '.' && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** 1-64 lowercase letters, digits and inner hyphens. */
  static boolean isSlug(String s) {
    int n = s.length();
    if (n == 0 || n > 64 || s.charAt(0) == '-' || s.charAt(n - 1) == '-') {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static boolean alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
