package io.strangler.diff.report;

/** One counter of an API and a label (a drop reason, a recheck or sample result). */
public record LabeledCount(String api, String label, long count) {
  record Key(String api, String label) {}
}
