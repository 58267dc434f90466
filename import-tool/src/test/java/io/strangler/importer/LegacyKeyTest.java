package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.importer.LegacyKey.Kind;
import io.strangler.legacy.LegacyKeys;
import org.junit.jupiter.api.Test;

class LegacyKeyTest {
  @Test
  void everyKeyOfTheLayout_parsesToItsKindAndId() {
    assertThat(LegacyKey.parse(LegacyKeys.REGIONS)).isEqualTo(new LegacyKey(Kind.REGIONS, ""));
    assertThat(LegacyKey.parse(LegacyKeys.region("eu")))
        .isEqualTo(new LegacyKey(Kind.REGION, "eu"));
    assertThat(LegacyKey.parse(LegacyKeys.repl("r1"))).isEqualTo(new LegacyKey(Kind.REPL, "r1"));
    assertThat(LegacyKey.parse(LegacyKeys.replCurrent("r1")))
        .isEqualTo(new LegacyKey(Kind.REPL_CURRENT, "r1"));
    assertThat(LegacyKey.parse(LegacyKeys.replContainers("r1")))
        .isEqualTo(new LegacyKey(Kind.REPL_CONTAINERS, "r1"));
    assertThat(LegacyKey.parse(LegacyKeys.slug("my-app")))
        .isEqualTo(new LegacyKey(Kind.SLUG, "my-app"));
    assertThat(LegacyKey.parse(LegacyKeys.machine("m1")))
        .isEqualTo(new LegacyKey(Kind.MACHINE, "m1"));
    assertThat(LegacyKey.parse(LegacyKeys.machineRunning("m1")))
        .isEqualTo(new LegacyKey(Kind.MACHINE_RUNNING, "m1"));
    assertThat(LegacyKey.parse(LegacyKeys.machineContainers("m1")))
        .isEqualTo(new LegacyKey(Kind.MACHINE_CONTAINERS, "m1"));
    assertThat(LegacyKey.parse(LegacyKeys.clusterMachines("c1")))
        .isEqualTo(new LegacyKey(Kind.CLUSTER_MACHINES, "c1"));
    assertThat(LegacyKey.parse(LegacyKeys.container("ctr-1")))
        .isEqualTo(new LegacyKey(Kind.CONTAINER, "ctr-1"));
    assertThat(LegacyKey.parse(LegacyKeys.tombstone("r1")))
        .isEqualTo(new LegacyKey(Kind.TOMBSTONE, "r1"));
  }

  @Test
  void keysOfOtherShapes_parseToNothing() {
    assertThat(LegacyKey.parse("session:abc")).isNull();
    assertThat(LegacyKey.parse("repl")).isNull();
    assertThat(LegacyKey.parse("repl:")).isNull();
    assertThat(LegacyKey.parse("repl::current")).isNull();
    assertThat(LegacyKey.parse("repl:r1:history")).isNull();
    assertThat(LegacyKey.parse("repl:r1:current:x")).isNull();
    assertThat(LegacyKey.parse("slug:a:b")).isNull();
    assertThat(LegacyKey.parse("cluster:c1")).isNull();
    assertThat(LegacyKey.parse("topology:region:")).isNull();
    assertThat(LegacyKey.parse("topology:other")).isNull();
  }

  @Test
  void idsAndSlugs_followTheContract() {
    assertThat(Ids.isId("repl-00000001")).isTrue();
    assertThat(Ids.isId("424242")).isTrue();
    assertThat(Ids.isId("a".repeat(128))).isTrue();
    assertThat(Ids.isId("a".repeat(129))).isFalse();
    assertThat(Ids.isId("-lead")).isFalse();
    assertThat(Ids.isId("has:colon")).isFalse();
    assertThat(Ids.isId("")).isFalse();
    assertThat(Ids.isSlug("brave-otter-1a")).isTrue();
    assertThat(Ids.isSlug("Upper")).isFalse();
    assertThat(Ids.isSlug("trailing-")).isFalse();
    assertThat(Ids.isSlug("x".repeat(65))).isFalse();
  }
}
