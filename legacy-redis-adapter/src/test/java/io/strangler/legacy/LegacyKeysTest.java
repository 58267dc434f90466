package io.strangler.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Key names exactly as docs/legacy-redis-layout.md lists them. */
class LegacyKeysTest {
  @Test
  void keys_followTheLayoutDoc() {
    assertThat(LegacyKeys.REGIONS).isEqualTo("topology:regions");
    assertThat(LegacyKeys.region("us")).isEqualTo("topology:region:us");
    assertThat(LegacyKeys.repl("r-1")).isEqualTo("repl:r-1");
    assertThat(LegacyKeys.slug("my-app")).isEqualTo("slug:my-app");
    assertThat(LegacyKeys.replCurrent("r-1")).isEqualTo("repl:r-1:current");
    assertThat(LegacyKeys.replContainers("r-1")).isEqualTo("repl:r-1:containers");
    assertThat(LegacyKeys.machine("m-1")).isEqualTo("machine:m-1");
    assertThat(LegacyKeys.clusterMachines("us-1")).isEqualTo("cluster:us-1:machines");
    assertThat(LegacyKeys.machineRunning("m-1")).isEqualTo("machine:m-1:running");
    assertThat(LegacyKeys.machineContainers("m-1")).isEqualTo("machine:m-1:containers");
    assertThat(LegacyKeys.container("ctr-1")).isEqualTo("container:ctr-1");
    assertThat(LegacyKeys.tombstone("r-1")).isEqualTo("tombstone:r-1");
  }

  @Test
  void replIdOfContainersKey_inverts_replContainers_andRejectsOtherShapes() {
    assertThat(LegacyKeys.replIdOfContainersKey(LegacyKeys.replContainers("a:b.c")))
        .isEqualTo("a:b.c");
    assertThat(LegacyKeys.replIdOfContainersKey("machine:m-1:containers")).isNull();
    assertThat(LegacyKeys.replIdOfContainersKey("repl::containers")).isNull();
    assertThat(LegacyKeys.replIdOfContainersKey("repl:r-1")).isNull();
  }
}
