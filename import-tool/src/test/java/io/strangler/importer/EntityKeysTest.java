package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.importer.EntityKeys.Entity;
import io.strangler.importer.EntityKeys.Owner;
import org.junit.jupiter.api.Test;

/** Each legacy key shape maps to the entity whose state it holds, as the importer parses it. */
class EntityKeysTest {

  @Test
  void ownerOf_mapsRecordAndIndexKeysToTheirEntity() {
    assertThat(EntityKeys.ownerOf("repl:r-1")).isEqualTo(new Owner(Entity.REPL, "r-1", true));
    assertThat(EntityKeys.ownerOf("repl:r-1:current"))
        .isEqualTo(new Owner(Entity.REPL, "r-1", false));
    assertThat(EntityKeys.ownerOf("repl:r-1:containers"))
        .isEqualTo(new Owner(Entity.REPL, "r-1", false));
    assertThat(EntityKeys.ownerOf("machine:m-1:running"))
        .isEqualTo(new Owner(Entity.MACHINE, "m-1", false));
    assertThat(EntityKeys.ownerOf("container:c-1"))
        .isEqualTo(new Owner(Entity.CONTAINER, "c-1", true));
    assertThat(EntityKeys.ownerOf("tombstone:r-1"))
        .isEqualTo(new Owner(Entity.TOMBSTONE, "r-1", true));
    assertThat(EntityKeys.ownerOf("slug:brave-otter"))
        .isEqualTo(new Owner(Entity.SLUG, "brave-otter", true));
  }

  @Test
  void ownerOf_keysOfNoEntity_areNull() {
    assertThat(EntityKeys.ownerOf("topology:regions")).isNull();
    assertThat(EntityKeys.ownerOf("topology:region:region-1")).isNull();
    assertThat(EntityKeys.ownerOf("cluster:c1:machines")).isNull();
    assertThat(EntityKeys.ownerOf("repl:r-1:other")).isNull();
    assertThat(EntityKeys.ownerOf("nonsense")).isNull();
  }

  @Test
  void keysOf_startWithTheEntitysOwnRecord() {
    assertThat(EntityKeys.keysOf(Entity.REPL, "r-1"))
        .containsExactly("repl:r-1", "repl:r-1:current", "repl:r-1:containers");
    assertThat(EntityKeys.keysOf(Entity.MACHINE, "m-1"))
        .containsExactly("machine:m-1", "machine:m-1:running", "machine:m-1:containers");
    for (Entity e : Entity.values()) {
      String first = EntityKeys.keysOf(e, "x-1").get(0);
      assertThat(EntityKeys.ownerOf(first)).isEqualTo(new Owner(e, "x-1", true));
    }
  }
}
