package io.strangler.flags;

import java.util.List;

/**
 * What a flag source holds now, for {@code GET /admin/flags}.
 *
 * @param source {@code file}, {@code unleash} or {@code postgres}
 * @param defaultMode the mode of an API with no flag
 * @param killLegacy the legacy kill switch
 * @param killNew the new-backend kill switch
 * @param apis one entry per API the source knows (configured ones and the known operations), sorted
 *     by operation name
 * @param error the source's current problem (a bad file that was not applied, Unleash unreachable,
 *     a variant that names no mode), or null
 * @param overrides the settings the proxy holds over the source ({@link OverridingFlags}), by
 *     operation; empty when there are none
 */
public record FlagsSnapshot(
    String source,
    Mode defaultMode,
    boolean killLegacy,
    boolean killNew,
    List<ApiFlag> apis,
    FlagsError error,
    List<FlagOverride> overrides) {
  public FlagsSnapshot {
    apis = List.copyOf(apis);
    overrides = List.copyOf(overrides);
  }

  /** A snapshot without overrides: what a source says on its own. */
  public FlagsSnapshot(
      String source,
      Mode defaultMode,
      boolean killLegacy,
      boolean killNew,
      List<ApiFlag> apis,
      FlagsError error) {
    this(source, defaultMode, killLegacy, killNew, apis, error, List.of());
  }
}
