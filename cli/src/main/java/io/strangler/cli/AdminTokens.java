package io.strangler.cli;

import java.security.SecureRandom;
import java.util.HexFormat;

/** The admin bearer token: given, from STRANGLER_ADMIN_TOKEN, or a new random one. */
final class AdminTokens {
  static final String ENV = "STRANGLER_ADMIN_TOKEN";

  private AdminTokens() {}

  static String resolve(String given) {
    if (given != null && !given.isBlank()) {
      return given;
    }
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return env;
    }
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
