package io.strangler.proxy;

import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The topology both backends share: given explicitly, or the legacy store's (the source of truth
 * during the migration) copied to the control plane.
 */
public final class Topologies {
  /** What {@link #share} did. */
  public enum Shared {
    /** The given topology was applied to both. */
    GIVEN,
    /** The legacy store's topology was copied to the control plane. */
    COPIED_FROM_LEGACY,
    /** Both already had the same topology. */
    ALREADY_EQUAL,
    /** No topology was given and the legacy store has none. */
    NONE
  }

  private Topologies() {}

  /** Reads a topology file: {@code {"regions": {"region": ["cluster", ...]}}}. */
  public static Topology read(Path file) throws IOException {
    return ControlApiJson.mapper().readValue(Files.readAllBytes(file), Topology.class);
  }

  /**
   * Applies {@code given} to both, or (when null) copies the legacy store's to the control plane.
   */
  public static Shared share(ControlPlane legacy, ControlPlane controlPlane, Topology given) {
    if (given != null) {
      legacy.applyTopology(given);
      controlPlane.applyTopology(given);
      return Shared.GIVEN;
    }
    Topology fromLegacy = legacy.topology();
    if (fromLegacy.regions().isEmpty()) {
      return Shared.NONE;
    }
    if (fromLegacy.equals(controlPlane.topology())) {
      return Shared.ALREADY_EQUAL;
    }
    controlPlane.applyTopology(fromLegacy);
    return Shared.COPIED_FROM_LEGACY;
  }
}
