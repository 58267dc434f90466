package io.strangler.cli;

import io.strangler.api.ControlPlane;
import io.strangler.api.ControlPlaneException;
import io.strangler.api.ErrorCode;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo's way to break its new backend on purpose, for trying the cut-over's automatic rollback:
 * a file of lines {@code <Operation> errors} (every other call of that API fails UNAVAILABLE) or
 * {@code <Operation> slow} (each call 300 ms slower), re-read every 250 ms; an empty file heals.
 */
final class DemoFaults implements AutoCloseable {
  static final long SLOW_MILLIS = 300;

  private enum Fault {
    ERRORS,
    SLOW
  }

  private final Path file;
  private final ScheduledThreadPoolExecutor reader;
  private final AtomicLong calls = new AtomicLong();
  private volatile Map<String, Fault> faults = Map.of();

  private DemoFaults(Path file) {
    this.file = file;
    this.reader =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "strangler-demo-faults");
              t.setDaemon(true);
              return t;
            },
            new ScheduledThreadPoolExecutor.DiscardPolicy());
    reader.scheduleWithFixedDelay(this::read, 0, 250, TimeUnit.MILLISECONDS);
  }

  /** Watches {@code file} (created empty). */
  static DemoFaults watch(Path file) throws IOException {
    Files.write(file, new byte[0]);
    return new DemoFaults(file);
  }

  Path file() {
    return file;
  }

  /** {@code real} with the faults of the file applied to its calls. */
  ControlPlane wrap(ControlPlane real) {
    return (ControlPlane)
        Proxy.newProxyInstance(
            ControlPlane.class.getClassLoader(),
            new Class<?>[] {ControlPlane.class},
            (proxy, method, args) -> {
              Fault f = faults.get(method.getName());
              if (f == Fault.ERRORS && calls.incrementAndGet() % 2 == 0) {
                throw new ControlPlaneException(
                    ErrorCode.UNAVAILABLE, "fault injected by the demo (" + file + ")");
              }
              if (f == Fault.SLOW) {
                // The injected latency itself, on the backend's own thread (never the event loop).
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SLOW_MILLIS));
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private void read() {
    Map<String, Fault> next = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String[] words = line.strip().split("\\s+");
        if (words.length != 2) {
          continue;
        }
        // The control plane's method of an operation: GetRepl -> getRepl.
        String method = Character.toLowerCase(words[0].charAt(0)) + words[0].substring(1);
        switch (words[1].toLowerCase(Locale.ROOT)) {
          case "errors" -> next.put(method, Fault.ERRORS);
          case "slow" -> next.put(method, Fault.SLOW);
          default -> {}
        }
      }
    } catch (IOException e) {
      // A missing or unreadable file heals: no fault.
    }
    faults = Map.copyOf(next);
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
