package io.strangler.cli;

/**
 * Shared command plumbing: user-facing failures become a message and an exit code (2 for a bad
 * value, 1 for a failure), never a Java stack trace or class name.
 */
final class Cli {
  private Cli() {}

  interface Body {
    void run() throws Exception;
  }

  static int guard(Body body) {
    try {
      body.run();
      return 0;
    } catch (CliException e) {
      System.err.println("strangler: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("strangler: interrupted");
      return 130;
    } catch (IllegalArgumentException e) {
      System.err.println("strangler: " + describe(e));
      return 2;
    } catch (Exception e) {
      System.err.println("strangler: " + describe(e));
      return 1;
    }
  }

  /**
   * What went wrong, in the words of the failure and its causes, without Java class names: "cannot
   * connect to 127.0.0.1:5432: Connection refused", not "java.net.ConnectException: ...". A failure
   * with no words at all is named by its kind, since that is all there is.
   */
  static String describe(Throwable e) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = e; t != null && out.length() < 1_000; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null || m.isBlank() || out.indexOf(m) >= 0) {
        continue;
      }
      // Wrappers often repeat their cause as "java.io.IOException: text": keep the text.
      m = m.replaceAll("(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ", "");
      if (out.indexOf(m) >= 0) {
        continue;
      }
      out.append(out.length() == 0 ? "" : ": ").append(m);
      if (t.getCause() == t) {
        break;
      }
    }
    return out.length() == 0
        ? "unexpected failure (" + e.getClass().getSimpleName() + ")"
        : out.toString();
  }
}
