package io.strangler.dispatch.repair;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's and the repairer's figures as OpenTelemetry instruments (docs/metrics.md,
 * "Repairs"), read at each collection: pending entries and the "needs a drift scan" mark per
 * operation, entity repairs by result, repairs put off behind queued shadow writes, drift scans by
 * trigger and result, entries recorded and lost.
 */
public final class RepairMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepairMetrics.class);
  private static final AttributeKey<String> API = AttributeKey.stringKey("api");
  private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final AttributeKey<String> TRIGGER = AttributeKey.stringKey("trigger");

  private final List<AutoCloseable> instruments = new ArrayList<>();

  private RepairMetrics() {}

  /**
   * @param scans the drift scans the proxy ran
   * @param operations the write operations, each with a series of its own from the start
   */
  public static RepairMetrics register(
      MeterProvider meters,
      RepairJournal journal,
      Repairer repairer,
      DriftScans scans,
      Collection<String> operations) {
    Objects.requireNonNull(journal, "journal");
    Objects.requireNonNull(repairer, "repairer");
    Objects.requireNonNull(scans, "scans");
    List<String> apis = List.copyOf(operations);
    Meter m = meters.get("io.strangler.repair");
    RepairMetrics r = new RepairMetrics();
    r.instruments.add(
        m.gaugeBuilder("strangler.repairs.pending")
            .ofLongs()
            .setDescription(
                "Writes whose shadow did not land and are not repaired yet, by the API of the write")
            .buildWithCallback(
                o -> {
                  Map<String, Long> by = journal.stats().pendingByOperation();
                  for (String api : apis) {
                    o.record(by.getOrDefault(api, 0L), Attributes.of(API, api));
                  }
                }));
    r.instruments.add(
        m.gaugeBuilder("strangler.repairs.needs_scan")
            .ofLongs()
            .setDescription(
                "1 for an API whose writes lost repair journal entries, until a clean drift scan")
            .buildWithCallback(
                o -> {
                  Set<String> marked = journal.needsScan();
                  for (String api : apis) {
                    o.record(marked.contains(api) ? 1 : 0, Attributes.of(API, api));
                  }
                }));
    r.instruments.add(
        m.counterBuilder("strangler.repairs")
            .setDescription(
                "Entity repairs by result: repaired, already_equal, retried (a store was down or the entity kept changing), failed")
            .buildWithCallback(
                o -> {
                  Repairer.Stats s = repairer.stats();
                  o.record(s.repaired(), Attributes.of(RESULT, "repaired"));
                  o.record(s.alreadyEqual(), Attributes.of(RESULT, "already_equal"));
                  o.record(s.retries(), Attributes.of(RESULT, "retried"));
                  o.record(s.failed(), Attributes.of(RESULT, "failed"));
                }));
    r.instruments.add(
        m.counterBuilder("strangler.repairs.deferred")
            .setDescription(
                "Entity repairs that met a shadow write of the entity still queued in the proxy:"
                    + " put_off (tried again after it), repaired_anyway (the wait's bound passed)")
            .buildWithCallback(
                o -> {
                  Repairer.Deferrals d = repairer.deferrals();
                  o.record(d.deferred(), Attributes.of(RESULT, "put_off"));
                  o.record(d.repairedWhileQueued(), Attributes.of(RESULT, "repaired_anyway"));
                }));
    r.instruments.add(
        m.counterBuilder("strangler.repairs.scans")
            .setDescription(
                "Drift scans the proxy ran, by trigger (automatic, admin) and result (clean,"
                    + " differences_left, failed)")
            .buildWithCallback(
                o -> {
                  for (DriftScans.Trigger t : DriftScans.Trigger.values()) {
                    for (DriftScans.Result res : DriftScans.Result.values()) {
                      o.record(
                          scans.count(t, res),
                          Attributes.of(TRIGGER, t.label(), RESULT, res.label()));
                    }
                  }
                }));
    r.instruments.add(
        m.counterBuilder("strangler.repairs.recorded")
            .setDescription("Writes recorded in the repair journal")
            .buildWithCallback(o -> o.record(journal.stats().recorded())));
    r.instruments.add(
        m.counterBuilder("strangler.repairs.lost")
            .setDescription("Writes to repair that the journal could not record, by reason")
            .buildWithCallback(
                o -> {
                  RepairJournal.Stats s = journal.stats();
                  o.record(s.lostQueueFull(), Attributes.of(REASON, "queue_full"));
                  o.record(s.lostFileFull(), Attributes.of(REASON, "file_full"));
                  o.record(s.writeFailures(), Attributes.of(REASON, "write_failed"));
                }));
    return r;
  }

  /** Removes the instruments' callbacks. */
  @Override
  public void close() {
    for (AutoCloseable i : instruments) {
      try {
        i.close();
      } catch (Exception e) {
        log.debug("closing an instrument", e);
      }
    }
  }
}
