package io.strangler.cli;

/** Shared command plumbing: user-facing failures become a message and exit code 1. */
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
    } catch (Exception e) {
      System.err.println("strangler: " + e);
      return 1;
    }
  }
}
