package io.strangler.convergence;

import io.strangler.importer.EntityKeys.Entity;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The kinds of entity the drift scan compares and the sync copies, by their CLI names. */
public enum EntityType {
  REPLS(Entity.REPL),
  MACHINES(Entity.MACHINE),
  CONTAINERS(Entity.CONTAINER),
  TOMBSTONES(Entity.TOMBSTONE),
  SLUGS(Entity.SLUG);

  final Entity legacy;

  EntityType(Entity legacy) {
    this.legacy = legacy;
  }

  /** The CLI name: {@code repls}, {@code machines}, ... */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static EntityType of(Entity e) {
    for (EntityType t : values()) {
      if (t.legacy == e) {
        return t;
      }
    }
    throw new IllegalArgumentException("no entity type for " + e);
  }

  /**
   * Parses {@code all} or a comma-separated list of {@code repls,machines,containers,tombstones,
   * slugs}, in the order of this enum.
   *
   * @throws IllegalArgumentException naming the unknown entry and the valid ones
   */
  public static Set<EntityType> parseList(String list) {
    if (list == null || list.isBlank() || list.trim().equalsIgnoreCase("all")) {
      return EnumSet.allOf(EntityType.class);
    }
    EnumSet<EntityType> out = EnumSet.noneOf(EntityType.class);
    for (String part : list.split(",")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      EntityType found = null;
      for (EntityType t : values()) {
        if (t.cliName().equals(p)) {
          found = t;
        }
      }
      if (found == null) {
        List<String> names = new ArrayList<>();
        for (EntityType t : values()) {
          names.add(t.cliName());
        }
        throw new IllegalArgumentException(
            "unknown entity type '"
                + part.trim()
                + "': use all or some of "
                + String.join(",", names));
      }
      out.add(found);
    }
    return out;
  }
}
