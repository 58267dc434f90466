package io.strangler.convergence;

import java.util.Objects;

/**
 * One entity of the control plane: a repl, machine or container by its id, a tombstone by its
 * repl's id, a slug by the slug itself.
 */
public record EntityRef(EntityType type, String id) {
  public EntityRef {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
  }

  public static EntityRef repl(String id) {
    return new EntityRef(EntityType.REPLS, id);
  }

  public static EntityRef machine(String id) {
    return new EntityRef(EntityType.MACHINES, id);
  }

  public static EntityRef container(String id) {
    return new EntityRef(EntityType.CONTAINERS, id);
  }

  public static EntityRef tombstone(String replId) {
    return new EntityRef(EntityType.TOMBSTONES, replId);
  }

  public static EntityRef slug(String slug) {
    return new EntityRef(EntityType.SLUGS, slug);
  }

  @Override
  public String toString() {
    return type.cliName() + "/" + id;
  }
}
