package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFlagsTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private FileFlags flags;

  @AfterEach
  void close() {
    if (flags != null) {
      flags.close();
    }
  }

  private Path write(String json) throws IOException {
    Path f = dir.resolve("flags.json");
    // Written beside and moved in, as an editor or config tool would: the watcher never sees half a
    // file.
    Path tmp = Files.createTempFile(dir, "edit", ".tmp");
    Files.writeString(tmp, json, StandardCharsets.UTF_8);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return f;
  }

  private FileFlags open(String json) throws IOException {
    flags = FileFlags.builder(write(json)).clock(CLOCK).build();
    return flags;
  }

  @Test
  void decide_apiWithoutFlag_getsConfiguredDefault() throws IOException {
    Path f = write("{\"apis\": {}}");
    flags = FileFlags.builder(f).defaultMode(Mode.SHADOW).build();
    assertThat(flags.decide("GetRepl", "r1")).isEqualTo(new Decision(Mode.SHADOW, "default"));
    assertThat(flags.decide(null, null)).isEqualTo(new Decision(Mode.SHADOW, "default"));
  }

  @Test
  void decide_fileDefaultMode_overridesConfiguredDefault() throws IOException {
    open("{\"defaultMode\": \"NEW_PRIMARY\"}");
    assertThat(flags.decide("GetRepl", "r1").mode()).isEqualTo(Mode.NEW_PRIMARY);
  }

  @Test
  void decide_rolloutThirtyPercent_splitsTenThousandKeysThirtySeventy() throws IOException {
    open("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 30}}}");
    int inRollout = 0;
    for (int i = 0; i < 10_000; i++) {
      Decision d = flags.decide("GetRepl", "repl-" + i);
      if (d.mode() == Mode.NEW_PRIMARY) {
        inRollout++;
      } else {
        assertThat(d).isEqualTo(new Decision(Mode.SHADOW, "file, outside 30% rollout"));
      }
    }
    assertThat(inRollout).isBetween(2_800, 3_200);
  }

  @Test
  void decide_sameKey_sameAnswerEveryTimeAndAfterRestart() throws IOException {
    open("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_ONLY\", \"rolloutPercent\": 50}}}");
    Mode[] first = new Mode[1_000];
    for (int i = 0; i < first.length; i++) {
      first[i] = flags.decide("GetRepl", "repl-" + i).mode();
    }
    flags.close();
    flags = FileFlags.open(dir.resolve("flags.json"));
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < first.length; i++) {
        assertThat(flags.decide("GetRepl", "repl-" + i).mode()).isEqualTo(first[i]);
      }
    }
    assertThat(first).contains(Mode.NEW_ONLY, Mode.NEW_PRIMARY);
  }

  @Test
  void decide_raisingRollout_onlyAddsKeys() throws IOException {
    open("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 10}}}");
    boolean[] at10 = new boolean[2_000];
    for (int i = 0; i < at10.length; i++) {
      at10[i] = flags.decide("GetRepl", "k" + i).mode() == Mode.NEW_PRIMARY;
    }
    assertThat(flags.set("GetRepl", Mode.NEW_PRIMARY, 40, "ops"))
        .isInstanceOf(SetResult.Applied.class);
    for (int i = 0; i < at10.length; i++) {
      if (at10[i]) {
        assertThat(flags.decide("GetRepl", "k" + i).mode()).isEqualTo(Mode.NEW_PRIMARY);
      }
    }
  }

  @Test
  void decide_noRoutingKey_isOutsideUntilFullRollout() throws IOException {
    open(
        """
        {"apis": {"ListMachines": {"mode": "SHADOW", "rolloutPercent": 99},
                  "GetRepl": {"mode": "SHADOW"}}}
        """);
    assertThat(flags.decide("ListMachines", null).mode()).isEqualTo(Mode.LEGACY_ONLY);
    assertThat(flags.decide("GetRepl", null).mode()).isEqualTo(Mode.SHADOW);
  }

  @Test
  void decide_killLegacy_handsEveryApiToNewAlone() throws IOException {
    open(
        """
        {"killLegacy": true,
         "apis": {"GetRepl": {"mode": "SHADOW"}, "CreateRepl": {"mode": "NEW_PRIMARY", "rolloutPercent": 50}}}
        """);
    assertThat(flags.decide("GetRepl", "r"))
        .isEqualTo(new Decision(Mode.NEW_ONLY, "file, kill.legacy"));
    assertThat(flags.decide("Heartbeat", "r"))
        .isEqualTo(new Decision(Mode.NEW_ONLY, "default, kill.legacy"));
    for (int i = 0; i < 100; i++) {
      assertThat(flags.decide("CreateRepl", "r" + i).mode()).isEqualTo(Mode.NEW_ONLY);
    }
    FlagsSnapshot s = flags.snapshot();
    assertThat(s.killLegacy()).isTrue();
    assertThat(s.apis())
        .extracting(ApiFlag::operation, ApiFlag::inRollout, ApiFlag::source)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("CreateRepl", Mode.NEW_ONLY, ApiFlag.KILL_SWITCH),
            org.assertj.core.groups.Tuple.tuple("GetRepl", Mode.NEW_ONLY, ApiFlag.KILL_SWITCH));
  }

  @Test
  void decide_killNewOnShadow_dropsTheShadow() throws IOException {
    open("{\"killNew\": true, \"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    assertThat(flags.decide("GetRepl", "r"))
        .isEqualTo(new Decision(Mode.LEGACY_ONLY, "file, kill.new"));
  }

  @Test
  void decide_bothKilled_isUnavailable() throws IOException {
    open(
        "{\"killNew\": true, \"killLegacy\": true, \"apis\": {\"GetRepl\": {\"mode\":"
            + " \"SHADOW\"}}}");
    assertThat(flags.decide("GetRepl", "r").isUnavailable()).isTrue();
    assertThat(flags.decide("Other", "r").isUnavailable()).isTrue();
  }

  @Test
  void decide_allocatesNothingOnTheHotPath() throws IOException {
    open("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\", \"rolloutPercent\": 30}}}");
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    String[] keys = new String[1_000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "repl-" + i;
    }
    for (int i = 0; i < 200_000; i++) {
      flags.decide("GetRepl", keys[i % keys.length]);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    int newPrimary = 0;
    for (int i = 0; i < 1_000_000; i++) {
      if (flags.decide(i % 2 == 0 ? "GetRepl" : "Unflagged", keys[i % keys.length]).mode()
          == Mode.NEW_PRIMARY) {
        newPrimary++;
      }
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(newPrimary).isPositive();
    // A million calls: anything per call would be megabytes; a few KB is the measurement itself.
    assertThat(allocated).isLessThan(64 * 1024);
  }

  @Test
  void reload_editedFile_appliesWithinOneSecond() throws IOException {
    open("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    assertThat(flags.decide("GetRepl", "r").mode()).isEqualTo(Mode.SHADOW);
    write("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_PRIMARY\"}}}");
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> flags.decide("GetRepl", "r").mode() == Mode.NEW_PRIMARY);
  }

  @Test
  void reload_editedInPlace_isPickedUpToo() throws IOException {
    Path f = write("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    flags = FileFlags.open(f);
    Files.writeString(f, "{\"killNew\": true, \"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> flags.decide("GetRepl", "r").mode() == Mode.LEGACY_ONLY);
  }

  @Test
  void reload_badFile_keepsLastGoodFlagsAndShowsTheError() throws IOException {
    open("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    assertThat(flags.snapshot().error()).isNull();
    write("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADDOW\"}}, \"killNew\": true}");
    await().atMost(Duration.ofSeconds(2)).until(() -> flags.snapshot().error() != null);
    FlagsError error = flags.snapshot().error();
    assertThat(error.message())
        .contains("apis.GetRepl.mode: unknown mode 'SHADDOW'")
        .endsWith("keeping the last good flags");
    assertThat(error.at()).isEqualTo(CLOCK.instant());
    assertThat(flags.decide("GetRepl", "r")).isEqualTo(new Decision(Mode.SHADOW, "file"));

    write("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_ONLY\"}}}");
    await().atMost(Duration.ofSeconds(2)).until(() -> flags.snapshot().error() == null);
    assertThat(flags.decide("GetRepl", "r").mode()).isEqualTo(Mode.NEW_ONLY);
  }

  @Test
  void reload_deletedFile_keepsLastGoodFlagsAndShowsTheError() throws IOException {
    Path f = write("{\"apis\": {\"GetRepl\": {\"mode\": \"NEW_ONLY\"}}}");
    flags = FileFlags.open(f);
    Files.delete(f);
    await().atMost(Duration.ofSeconds(2)).until(() -> flags.snapshot().error() != null);
    assertThat(flags.snapshot().error().message()).contains("is missing");
    assertThat(flags.decide("GetRepl", "r").mode()).isEqualTo(Mode.NEW_ONLY);
  }

  @Test
  void reload_unknownOperationWithKnownList_isAnError() throws IOException {
    Path f = write("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\"}}}");
    flags = FileFlags.builder(f).knownOperations(List.of("GetRepl", "CreateRepl")).build();
    write("{\"apis\": {\"GetRepp\": {\"mode\": \"NEW_ONLY\"}}}");
    await().atMost(Duration.ofSeconds(2)).until(() -> flags.snapshot().error() != null);
    assertThat(flags.snapshot().error().message())
        .contains("unknown operation 'GetRepp' (known: CreateRepl, GetRepl)");
    assertThat(flags.decide("GetRepl", "r").mode()).isEqualTo(Mode.SHADOW);
  }

  @Test
  void build_badFileAtStartup_failsFastNamingFileAndProblem() throws IOException {
    Path f = write("{\"apis\": {\"GetRepl\": {\"mode\": \"BOTH\"}}}");
    assertThatThrownBy(() -> FileFlags.open(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "flags file "
                + f.toAbsolutePath()
                + " is not valid: apis.GetRepl.mode: unknown mode 'BOTH' (expected one of"
                + " LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY)");
  }

  @Test
  void build_missingFile_failsFastSayingHowToStart() {
    Path f = dir.resolve("nope.json");
    assertThatThrownBy(() -> FileFlags.open(f))
        .hasMessageContaining("does not exist")
        .hasMessageContaining("{\"apis\": {}}");
  }

  @Test
  void set_writesFileAtomicallyAndAppliesAtOnce() throws IOException {
    open("{\"killLegacy\": false, \"apis\": {\"CreateRepl\": {\"mode\": \"SHADOW\"}}}");
    SetResult r = flags.set("GetRepl", Mode.NEW_PRIMARY, 25, "alice");
    assertThat(r)
        .isEqualTo(
            new SetResult.Applied(
                new ApiFlag(
                    "GetRepl", Mode.NEW_PRIMARY, 25, Mode.NEW_PRIMARY, Mode.SHADOW, "file")));
    FlagsFile onDisk = FlagsFile.parse(Files.readAllBytes(flags.file()));
    assertThat(onDisk.apis())
        .containsEntry("GetRepl", new ApiSetting(Mode.NEW_PRIMARY, 25))
        .containsEntry("CreateRepl", ApiSetting.of(Mode.SHADOW));
    try (var leftovers = Files.list(dir)) {
      assertThat(leftovers).containsExactly(flags.file());
    }
    assertThat(flags.snapshot().apis())
        .extracting(ApiFlag::operation)
        .containsExactly("CreateRepl", "GetRepl");
  }

  @Test
  void set_badInput_isRejectedAndChangesNothing() throws IOException {
    Path f = write("{\"apis\": {}}");
    flags = FileFlags.builder(f).knownOperations(List.of("GetRepl")).build();
    byte[] before = Files.readAllBytes(f);
    assertThat(flags.set("GetRepl", Mode.SHADOW, 101, "a"))
        .isEqualTo(new SetResult.Invalid("rolloutPercent must be within 0..100, got 101"));
    assertThat(flags.set("GetRepp", Mode.SHADOW, 100, "a"))
        .isEqualTo(new SetResult.Invalid("unknown operation 'GetRepp' (known: GetRepl)"));
    assertThat(flags.set("GetRepl", null, 100, "a")).isInstanceOf(SetResult.Invalid.class);
    assertThat(flags.set("../etc", Mode.SHADOW, 100, "a")).isInstanceOf(SetResult.Invalid.class);
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
    assertThat(flags.decide("GetRepl", "r").mode()).isEqualTo(Mode.LEGACY_ONLY);
  }

  @Test
  void snapshot_listsKnownOperationsWithoutFlagsAsDefault() throws IOException {
    Path f = write("{\"apis\": {\"GetRepl\": {\"mode\": \"SHADOW\", \"rolloutPercent\": 0}}}");
    flags = FileFlags.builder(f).knownOperations(List.of("GetRepl", "Heartbeat")).build();
    FlagsSnapshot s = flags.snapshot();
    assertThat(s.source()).isEqualTo("file");
    assertThat(s.defaultMode()).isEqualTo(Mode.LEGACY_ONLY);
    assertThat(s.apis())
        .containsExactly(
            new ApiFlag("GetRepl", Mode.SHADOW, 0, Mode.SHADOW, Mode.LEGACY_ONLY, "file"),
            new ApiFlag("Heartbeat", null, null, Mode.LEGACY_ONLY, Mode.LEGACY_ONLY, "default"));
  }
}
