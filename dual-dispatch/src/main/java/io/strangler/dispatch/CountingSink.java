package io.strangler.dispatch;

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

  private record Key(String operation, Role role, String label) {}

  private final ConcurrentHashMap<Key, LongAdder> counts = new ConcurrentHashMap<>();
  private final LongAdder exchanges = new LongAdder();

  @Override
  public void accept(Exchange e) {
    exchanges.increment();
    increment(new Key(e.operation(), Role.AUTHORITATIVE, e.authoritative().label()));
    increment(new Key(e.operation(), Role.SHADOW, e.shadow().label()));
  }

  private void increment(Key key) {
    LongAdder adder = counts.get(key);
    if (adder == null) {
      adder = counts.computeIfAbsent(key, k -> new LongAdder());
    }
    adder.increment();
  }

  /** Exchanges seen. */
  public long exchanges() {
    return exchanges.sum();
  }

  /** Outcomes of one operation with this role and label. */
  public long count(String operation, Role role, String label) {
    LongAdder adder = counts.get(new Key(operation, role, label));
    return adder == null ? 0 : adder.sum();
  }

  /** Outcomes with this role and label, over all operations. */
  public long count(Role role, String label) {
    long sum = 0;
    for (Map.Entry<Key, LongAdder> e : counts.entrySet()) {
      if (e.getKey().role == role && e.getKey().label.equals(label)) {
        sum += e.getValue().sum();
      }
    }
    return sum;
  }

  /** Every count, keyed {@code operation/role/label}, sorted. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach(
        (k, v) ->
            out.put(
                k.operation + "/" + k.role.name().toLowerCase(java.util.Locale.ROOT) + "/" + k.label,
                v.sum()));
    return out;
  }
}
