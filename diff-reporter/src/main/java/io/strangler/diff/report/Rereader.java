package io.strangler.diff.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.diff.Observations;
import java.util.Optional;

/**
 * Reads a call again from both backends, for the RACE check of a mismatching read. The pipeline
 * calls it on its own recheck threads, after the configured delay, at most once per call; it may
 * block (on both backends' calls, each with its own timeout).
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
}
