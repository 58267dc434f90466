package io.strangler.servers;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * POSIX signals for the server processes a fault test starts itself. Java sends SIGKILL ({@link
 * ProcessHandle#destroyForcibly}) but has no SIGSTOP or SIGCONT, so those go through {@code
 * kill(1)}.
 */
final class Signals {
  private Signals() {}

  /** Freezes {@code pid} as a hung server would be: its sockets stay open, nothing answers. */
  static void stop(long pid) {
    send("-STOP", pid);
  }

  static void resume(long pid) {
    send("-CONT", pid);
  }

  private static void send(String signal, long pid) {
    try {
      Process kill =
          new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill " + signal + " " + pid + " did not finish in 10 s");
      }
      if (kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill "
                + signal
                + " "
                + pid
                + " failed: "
                + new String(kill.getInputStream().readAllBytes()).strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill " + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending " + signal + " to " + pid, e);
    }
  }
}
