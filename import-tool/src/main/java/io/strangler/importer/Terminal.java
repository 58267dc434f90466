package io.strangler.importer;

/** Whether progress goes to a person: one answer for the import and the convergence tools. */
public final class Terminal {
  private Terminal() {}

  /**
   * True when standard output is a terminal. From Java 22, System.console() may answer a console
   * for redirected streams too, and Console.isTerminal() (absent from Java 21, which this code
   * targets) tells them apart.
   */
  public static boolean isTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
