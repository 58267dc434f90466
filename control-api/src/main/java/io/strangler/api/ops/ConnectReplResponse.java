package io.strangler.api.ops;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.strangler.api.model.Container;

/**
 * The repl's running container; {@code created} when this call placed it, {@code transferred} when
 * this call applied a pending lazy transfer first. {@code placementUse} says what became of a
 * placement the request gave; it is not part of the answer's JSON.
 */
public record ConnectReplResponse(
    Container container,
    boolean created,
    boolean transferred,
    @JsonIgnore PlacementUse placementUse) {

  public ConnectReplResponse(Container container, boolean created, boolean transferred) {
    this(container, created, transferred, null);
  }
}
