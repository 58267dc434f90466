package io.strangler.diff.report;

import java.util.List;
import java.util.Optional;

/**
 * Keeps samples of inconsistent calls for people to read: request, both answers, field differences,
 * unified diff. A {@link DiffListener}: the pipeline hands it every result, and it keeps the
 * inconsistent ones within its caps. {@link MismatchStore} keeps them in PostgreSQL; {@link
 * #disabled()} keeps none.
 */
public interface SampleStore extends DiffListener {

  /** The newest samples first, of one API or all; at most {@code limit}. */
  List<MismatchSample> recent(Optional<String> api, int limit);

  /** One sample by its id. */
  Optional<MismatchSample> byId(long id);

  /** Samples offered, by API and result ({@code stored}, {@code capped}, ...). */
  List<LabeledCount> counts();

  /** A store that keeps nothing and counts nothing. */
  static SampleStore disabled() {
    return DisabledSampleStore.INSTANCE;
  }
}

enum DisabledSampleStore implements SampleStore {
  INSTANCE;

  @Override
  public void onResult(DiffResult result) {}

  @Override
  public List<MismatchSample> recent(Optional<String> api, int limit) {
    return List.of();
  }

  @Override
  public Optional<MismatchSample> byId(long id) {
    return Optional.empty();
  }

  @Override
  public List<LabeledCount> counts() {
    return List.of();
  }
}
