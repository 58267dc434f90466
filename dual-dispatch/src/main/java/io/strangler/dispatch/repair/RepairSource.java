package io.strangler.dispatch.repair;

import java.time.Duration;
import java.util.List;

/**
 * Where a {@link Repairer} takes its work from: this instance's {@link RepairJournal}, or in a
 * fleet the shared queue that every instance's journal is forwarded into ({@link
 * SharedRepairQueue}).
 *
 * <p>The contract is the journal's: {@link #next} answers the entries after the last commit (the
 * same ones again until they are committed), {@link #commit} says every entry up to one batch's
 * last is done.
 */
public interface RepairSource {

  /**
   * The next entries after what was committed, at most {@code max}; waits up to {@code wait} for
   * one when there is none.
   */
  List<RepairJournal.Entry> next(int max, Duration wait) throws InterruptedException;

  /** Every entry up to {@code end} ({@link RepairJournal.Entry#end} of the last one) is done. */
  void commit(long end, int entries);
}
