package io.strangler.dashboards;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * The built-in dashboard page, served at {@code GET /dashboard} on the admin port without a token.
 *
 * <p>One self-contained HTML document (inline CSS and JavaScript, nothing fetched from elsewhere).
 * It takes the admin token from the address's fragment ({@code /dashboard#token=...}), which
 * browsers never send to the server, and polls {@code /admin/flags}, {@code /admin/readiness} and
 * {@code /admin/mismatches} on the same origin with it as a bearer token every two seconds.
 *
 * <p>Serve it with {@link #headers()}: its Content-Security-Policy allows exactly the page's own
 * inline script and style (by hash) and requests to the same origin, so the page cannot load
 * anything from elsewhere even if a value it shows were crafted to try.
 */
public final class DashboardPage {
  /** The path the admin port serves the page at. */
  public static final String PATH = "/dashboard";

  static final String RESOURCE = "/io/strangler/dashboards/page/dashboard.html";

  private DashboardPage() {}

  /** The page's bytes (UTF-8), read from the classpath once; each call returns a fresh copy. */
  public static byte[] html() {
    return Loaded.HTML.clone();
  }

  /**
   * The response headers to serve the page with: content type, a Content-Security-Policy that
   * admits only the page's own inline script and style, {@code no-referrer}, no framing and no
   * caching (so a new release's page is picked up).
   */
  public static Map<String, String> headers() {
    return Loaded.HEADERS;
  }

  /** Loaded on first use: a missing or broken resource is a packaging bug, reported at once. */
  private static final class Loaded {
    static final byte[] HTML = read();
    static final Map<String, String> HEADERS =
        Map.of(
            "Content-Type", "text/html; charset=utf-8",
            "Content-Security-Policy",
                contentSecurityPolicy(new String(HTML, StandardCharsets.UTF_8)),
            "Referrer-Policy", "no-referrer",
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Cache-Control", "no-cache");

    private static byte[] read() {
      try (InputStream in = DashboardPage.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "the dashboard page "
                  + RESOURCE
                  + " is not on the classpath: the dashboards jar is incomplete");
        }
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException("reading the dashboard page " + RESOURCE, e);
      }
    }
  }

  static String contentSecurityPolicy(String html) {
    return "default-src 'none'; script-src "
        + hashOf(html, "<script>", "</script>")
        + "; style-src "
        + hashOf(html, "<style>", "</style>")
        + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none';"
        + " frame-ancestors 'none'";
  }

  /** The CSP source for the one inline element between {@code open} and {@code close}. */
  private static String hashOf(String html, String open, String close) {
    int start = html.indexOf(open);
    int end = html.indexOf(close, start + open.length());
    if (start < 0 || end < 0 || html.indexOf(open, end) >= 0) {
      throw new IllegalStateException(
          "the dashboard page must hold exactly one " + open + " element (found none or several)");
    }
    byte[] body = html.substring(start + open.length(), end).getBytes(StandardCharsets.UTF_8);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
