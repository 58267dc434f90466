package io.strangler.common;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-log-test");
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();

  @BeforeEach
  void attach() {
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(events);
  }

  @Test
  void warn_manyWithinTheInterval_onlyTheFirstLogged() {
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofHours(1));
    for (int i = 0; i < 1_000; i++) {
      log.warn("store down", new IllegalStateException("x"));
    }
    assertThat(events.list).hasSize(1);
    assertThat(events.list.get(0).getFormattedMessage()).isEqualTo("store down");
    assertThat(events.list.get(0).getThrowableProxy().getMessage()).isEqualTo("x");
  }

  @Test
  void warn_afterTheInterval_loggedAgainWithTheNumberSuppressed() {
    AtomicLong now = new AtomicLong(1_000);
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofNanos(50), now::get);
    log.warn("a", null);
    now.addAndGet(49);
    log.warn("b", null);
    log.warn("c", null);
    now.addAndGet(1);
    log.warn("d", new RuntimeException("cause"));
    log.warn("e", null);
    now.addAndGet(50);
    log.warn("f", null);

    assertThat(events.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "a", "d (2 similar warnings suppressed)", "f (1 similar warnings suppressed)");
    assertThat(events.list.get(1).getThrowableProxy().getMessage()).isEqualTo("cause");
  }
}
