package io.strangler.dispatch;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A sink that counts outcomes by operation, role (authoritative or shadow) and {@link
 * Outcome#label()}: answers, failures, timeouts, drops by reason. Every key is low-cardinality.
 */
public final class CountingSink implements OutcomeSink {

  /** Which side of the call an outcome belongs to. */
  public enum Role {
    AUTHORITATIVE,
    SHADOW
  }

  /**
   * The counts of one operation: per role, per label. Looked up by the exchange's own strings, so
   * counting allocates nothing once an operation's labels have been seen.
   */
  private static final class PerOperation {
    final ConcurrentHashMap<String, LongAdder> authoritative = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, LongAdder> shadow = new ConcurrentHashMap<>();

    ConcurrentHashMap<String, LongAdder> of(Role role) {
      return role == Role.AUTHORITATIVE ? authoritative : shadow;
    }
  }

  private final ConcurrentHashMap<String, PerOperation> counts = new ConcurrentHashMap<>();
  private final LongAdder exchanges = new LongAdder();

  @Override
  public void accept(Exchange e) {
    exchanges.increment();
    PerOperation op = counts.get(e.operation());
    if (op == null) {
      op = counts.computeIfAbsent(e.operation(), k -> new PerOperation());
    }
    increment(op.authoritative, e.authoritative().label());
    increment(op.shadow, e.shadow().label());
  }

  private static void increment(ConcurrentHashMap<String, LongAdder> labels, String label) {
    LongAdder adder = labels.get(label);
    if (adder == null) {
      adder = labels.computeIfAbsent(label, k -> new LongAdder());
    }
    adder.increment();
  }

  /** Exchanges seen. */
  public long exchanges() {
    return exchanges.sum();
  }

  /** Outcomes of one operation with this role and label. */
  public long count(String operation, Role role, String label) {
    PerOperation op = counts.get(operation);
    LongAdder adder = op == null ? null : op.of(role).get(label);
    return adder == null ? 0 : adder.sum();
  }

  /** Outcomes with this role and label, over all operations. */
  public long count(Role role, String label) {
    long sum = 0;
    for (PerOperation op : counts.values()) {
      LongAdder adder = op.of(role).get(label);
      sum += adder == null ? 0 : adder.sum();
    }
    return sum;
  }

  /** Every count, keyed {@code operation/role/label}, sorted. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach(
        (operation, op) -> {
          for (Role role : Role.values()) {
            String prefix = operation + "/" + role.name().toLowerCase(Locale.ROOT) + "/";
            op.of(role).forEach((label, n) -> out.put(prefix + label, n.sum()));
          }
        });
    return out;
  }
}
