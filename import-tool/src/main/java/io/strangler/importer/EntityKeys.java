package io.strangler.importer;

import io.strangler.importer.LegacyKey.Kind;
import io.strangler.legacy.LegacyKeys;
import java.util.List;

/**
 * Which entity of the control plane a legacy key belongs to, and which legacy keys hold an entity:
 * the one mapping of legacy keys to the control plane's rows, shared by the importer (through
 * {@link LegacyKey}, which parses the key shapes for both) and by the convergence tools that
 * compare and sync single entities.
 *
 * <p>An entity is what the control plane keeps as a row: a repl (row {@code repls}; legacy {@code
 * repl:{id}} with its {@code :current} pointer and {@code :containers} index), a machine (row
 * {@code machines}; legacy {@code machine:{id}} with its {@code :running} and {@code :containers}
 * sets), a container, a tombstone, and a slug (the {@code repls.slug} column; legacy {@code
 * slug:{slug}}).
 */
public final class EntityKeys {
  private EntityKeys() {}

  /** The kinds of entity, as the control plane's tables hold them. */
  public enum Entity {
    REPL("repl:*"),
    MACHINE("machine:*"),
    CONTAINER("container:*"),
    TOMBSTONE("tombstone:*"),
    SLUG("slug:*");

    private final String pattern;

    Entity(String pattern) {
      this.pattern = pattern;
    }

    /**
     * A SCAN MATCH pattern covering every key of this entity kind; it matches other shapes too
     * ({@code repl:*} matches {@code repl:x:current}), so pass each key to {@link #ownerOf}.
     */
    public String scanPattern() {
      return pattern;
    }
  }

  /**
   * An entity named by a legacy key; {@code primary} when the key is the entity's own record (its
   * hash, or the slug key) rather than an index beside it ({@code repl:{id}:current}, ...).
   */
  public record Owner(Entity entity, String id, boolean primary) {}

  /**
   * The entity whose state {@code key} holds (part of), or null for keys of no entity (the
   * topology, a cluster's machine list, keys of no shape of the layout).
   */
  public static Owner ownerOf(String key) {
    LegacyKey k = LegacyKey.parse(key);
    if (k == null || k.id().isEmpty()) {
      return null;
    }
    Entity e = entityOf(k.kind());
    if (e == null) {
      return null;
    }
    boolean primary =
        switch (k.kind()) {
          case REPL, MACHINE, CONTAINER, TOMBSTONE, SLUG -> true;
          default -> false;
        };
    return new Owner(e, k.id(), primary);
  }

  static Entity entityOf(Kind kind) {
    return switch (kind) {
      case REPL, REPL_CURRENT, REPL_CONTAINERS -> Entity.REPL;
      case MACHINE, MACHINE_RUNNING, MACHINE_CONTAINERS -> Entity.MACHINE;
      case CONTAINER -> Entity.CONTAINER;
      case TOMBSTONE -> Entity.TOMBSTONE;
      case SLUG -> Entity.SLUG;
      case REGIONS, REGION, CLUSTER_MACHINES -> null;
    };
  }

  /**
   * The legacy keys that hold the entity's own state (not the indexes of other entities that name
   * it, such as {@code cluster:{c}:machines}, whose name depends on the entity's data).
   */
  public static List<String> keysOf(Entity entity, String id) {
    return switch (entity) {
      case REPL ->
          List.of(LegacyKeys.repl(id), LegacyKeys.replCurrent(id), LegacyKeys.replContainers(id));
      case MACHINE ->
          List.of(
              LegacyKeys.machine(id),
              LegacyKeys.machineRunning(id),
              LegacyKeys.machineContainers(id));
      case CONTAINER -> List.of(LegacyKeys.container(id));
      case TOMBSTONE -> List.of(LegacyKeys.tombstone(id));
      case SLUG -> List.of(LegacyKeys.slug(id));
    };
  }

  /** The contract's id shape (what {@code Stager} checks every id against). */
  public static boolean isId(String s) {
    return Ids.isId(s);
  }
}
