package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModeTest {

  @Test
  void shadow_neverNull_emptyInTheSingleBackendModes_theOtherBackendInTheDualOnes() {
    assertThat(Mode.LEGACY_ONLY.shadow()).isEmpty();
    assertThat(Mode.SHADOW.shadow()).contains(Mode.Backend.NEW);
    assertThat(Mode.NEW_PRIMARY.shadow()).contains(Mode.Backend.LEGACY);
    assertThat(Mode.NEW_ONLY.shadow()).isEmpty();
    for (Mode m : Mode.values()) {
      assertThat(m.shadow()).as(m.name()).isNotNull();
      assertThat(m.isDual()).as(m.name()).isEqualTo(m.shadow().isPresent());
      assertThat(m.shadow()).as(m.name()).isNotEqualTo(Optional.of(m.authoritative()));
    }
  }

  @Test
  void previous_stepsBackAlongTheLadder_legacyOnlyStays() {
    assertThat(Mode.NEW_ONLY.previous()).isEqualTo(Mode.NEW_PRIMARY);
    assertThat(Mode.NEW_PRIMARY.previous()).isEqualTo(Mode.SHADOW);
    assertThat(Mode.SHADOW.previous()).isEqualTo(Mode.LEGACY_ONLY);
    assertThat(Mode.LEGACY_ONLY.previous()).isEqualTo(Mode.LEGACY_ONLY);
  }

  @Test
  void parse_exactNamesOnly() {
    assertThat(Mode.parse("NEW_PRIMARY")).isEqualTo(Mode.NEW_PRIMARY);
    assertThatThrownBy(() -> Mode.parse("shadow"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY");
  }
}
