package io.strangler.api.ops;

import io.strangler.api.Errors;

/**
 * Where another backend placed the container of a ConnectRepl: the optional {@code placement} of
 * {@link ConnectReplRequest}, which the proxy adds to the shadow backend's copy of the call so that
 * the shadow applies the authoritative backend's decision instead of deciding again from its own
 * view of the store (see docs/control-api.md, "Placement decided elsewhere").
 *
 * @param machineId the machine to run the container on
 * @param containerId the id the container gets, or null for the usual {@code
 *     Ids.containerId(requestId)}
 */
public record ContainerPlacement(String machineId, String containerId) {
  /** Throws INVALID_ARGUMENT when a field is missing or malformed. */
  void validate() {
    if (machineId == null) {
      throw Errors.missingField("placement.machineId");
    }
    Fields.id("placement.machineId", machineId);
    if (containerId != null) {
      Fields.id("placement.containerId", containerId);
    }
  }
}
