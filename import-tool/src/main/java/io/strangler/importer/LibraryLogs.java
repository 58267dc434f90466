package io.strangler.importer;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises the libraries' loggers to WARN while a progress bar owns the terminal, and puts them back
 * after: redis-replicator logs every RDB aux field at INFO, and those lines would break the bar.
 * Works on Logback (what the command line runs with) through reflection, so that this module binds
 * no logging backend; with any other backend it does nothing.
 */
final class LibraryLogs implements AutoCloseable {
  /** Loggers of the libraries that read the source. */
  static final List<String> LIBRARIES = List.of("com.moilioncircle", "redis.clients");

  private static final String LOGBACK_LOGGER = "ch.qos.logback.classic.Logger";
  private static final String LOGBACK_LEVEL = "ch.qos.logback.classic.Level";

  private record Saved(Object logger, Object level) {}

  private final List<Saved> saved;
  private final Method setLevel;

  private LibraryLogs(List<Saved> saved, Method setLevel) {
    this.saved = saved;
    this.setLevel = setLevel;
  }

  /** Quiets {@link #LIBRARIES} below WARN until {@link #close()}. */
  static LibraryLogs quiet() {
    Logger probe = LoggerFactory.getLogger(LIBRARIES.get(0));
    if (!probe.getClass().getName().equals(LOGBACK_LOGGER)) {
      return new LibraryLogs(List.of(), null);
    }
    try {
      Class<?> levelType = Class.forName(LOGBACK_LEVEL, true, probe.getClass().getClassLoader());
      Method getLevel = probe.getClass().getMethod("getLevel");
      Method setLevel = probe.getClass().getMethod("setLevel", levelType);
      Method isInfo = probe.getClass().getMethod("isInfoEnabled");
      Object warn = levelType.getField("WARN").get(null);
      List<Saved> saved = new ArrayList<>();
      for (String name : LIBRARIES) {
        Object logger = LoggerFactory.getLogger(name);
        if ((Boolean) isInfo.invoke(logger)) {
          saved.add(new Saved(logger, getLevel.invoke(logger)));
          setLevel.invoke(logger, warn);
        }
      }
      return new LibraryLogs(List.copyOf(saved), setLevel);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Another Logback than expected: the lines interleave with the bar, nothing worse.
      return new LibraryLogs(List.of(), null);
    }
  }

  /** Puts back the levels {@link #quiet()} changed (null: inherit, as before). */
  @Override
  public void close() {
    for (Saved s : saved) {
      try {
        setLevel.invoke(s.logger(), s.level());
      } catch (ReflectiveOperationException e) {
        // quiet() called the same method on the same logger: it does not fail now.
      }
    }
  }
}
