package io.strangler.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Ids that backends derive from the call, never from a random source. */
public final class Ids {
  private Ids() {}

  /**
   * The id of the container a call creates: a function of the request id alone, so both backends
   * name the container of one ConnectRepl the same.
   */
  public static String containerId(String requestId) {
    return "ctr-" + HexFormat.of().formatHex(sha256(requestId), 0, 10);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK ships SHA-256", e);
    }
  }
}
