package io.strangler.diff.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.Observations;
import java.util.Optional;

/**
 * Reads a call again from both backends, for the RACE check of a mismatching call. The pipeline
 * calls it on its own recheck threads, after the configured delay, up to {@link
 * DiffConfig#recheckAttempts()} times per call; it may block (on both backends' calls, each with
 * its own timeout).
 *
 * <p>Reads are read again as they are. A write cannot be sent again, but an API binding may know a
 * read that shows what the write answered (a write that answers an entity, and a read that lists
 * it): {@link #rereads} says so and {@link #reread(String, JsonNode, JsonNode)} reads it, shaped
 * like the write's answer. Once the two stores agree there, the write's differing answer was the
 * order of concurrent writes, not a defect: a RACE.
 *
 * <p>An implementation answers empty when it cannot read again (a backend is down, the API is in a
 * single-backend mode now) rather than throwing; a throw is caught and treated as empty.
 */
@FunctionalInterface
public interface Rereader {
  /** For a pipeline that never reads again: every mismatch stays a MISMATCH. */
  Rereader NONE = (api, request) -> Optional.empty();

  /** Fresh outcomes of {@code request} on {@code api} from both backends, or empty. */
  Optional<Observations> reread(String api, JsonNode request);

  /**
   * Fresh outcomes for a call of {@code api} that answered {@code authoritativeAnswer} (null when
   * the authoritative side failed). By default the read itself, read again.
   */
  default Optional<Observations> reread(
      String api, JsonNode request, JsonNode authoritativeAnswer) {
    return reread(api, request);
  }

  /** Whether a mismatching call of {@code api} can be read again; by default reads only. */
  default boolean rereads(String api, CallKind kind) {
    return kind == CallKind.READ;
  }
}
