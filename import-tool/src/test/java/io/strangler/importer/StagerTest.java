package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The checks made on each key alone, before anything reaches PostgreSQL. */
class StagerTest {
  private static final long BACKUP = 1_800_000_000_000L;

  private Rejects rejects;
  private Stager stager;

  @BeforeEach
  void setUp() throws IOException {
    rejects = new Rejects(null, -1);
    stager = new Stager(new BinaryCopyWriter(new ByteArrayOutputStream(), 1024), rejects);
    stager.backupTime(BACKUP);
  }

  private static Map<String, String> repl() {
    return new HashMap<>(
        Map.of(
            "replId",
            "r1",
            "ownerId",
            "o1",
            "slug",
            "my-app",
            "region",
            "eu",
            "cluster",
            "eu-1",
            "createdAt",
            "1700000000000"));
  }

  @Test
  void validRecords_areStaged_oneRowPerEntityOrMember() {
    stager.hash("repl:r1", repl(), KeySink.NO_EXPIRY);
    stager.string("slug:my-app", "r1", KeySink.NO_EXPIRY);
    stager.set("cluster:eu-1:machines", List.of("m1", "m2"), KeySink.NO_EXPIRY);
    stager.zset(
        "repl:r1:containers", new String[] {"ctr-1"}, new double[] {1.7e12}, KeySink.NO_EXPIRY);

    assertThat(rejects.total()).isZero();
    assertThat(stager.staged())
        .contains(
            entry(Stage.REPL, 1L),
            entry(Stage.SLUG, 1L),
            entry(Stage.CLUSTER_MACHINE, 2L),
            entry(Stage.REPL_CONTAINER, 1L));
    assertThat(stager.keys()).isEqualTo(4);
  }

  @Test
  void damagedHashes_areRejectedAsMalformed_withTheFieldNamed() {
    Map<String, String> noOwner = repl();
    noOwner.remove("ownerId");
    stager.hash("repl:r1", noOwner, KeySink.NO_EXPIRY);
    Map<String, String> otherId = repl();
    stager.hash("repl:r2", otherId, KeySink.NO_EXPIRY);
    Map<String, String> badTime = repl();
    badTime.put("createdAt", "yesterday");
    stager.hash("repl:r1", badTime, KeySink.NO_EXPIRY);
    Map<String, String> ownCluster = repl();
    ownCluster.put("pendingTransferTo", "eu-1");
    stager.hash("repl:r1", ownCluster, KeySink.NO_EXPIRY);
    stager.hash(
        "container:c1",
        Map.of(
            "containerId",
            "c1",
            "replId",
            "r1",
            "machineId",
            "m1",
            "cluster",
            "eu-1",
            "state",
            "STOPPED",
            "startedAt",
            "1"),
        KeySink.NO_EXPIRY);
    stager.hash(
        "machine:m1",
        Map.of(
            "machineId",
            "m1",
            "cluster",
            "eu-1",
            "address",
            "a",
            "capacity",
            "0",
            "state",
            "ACTIVE",
            "cpuPercent",
            "1.0",
            "registeredAt",
            "1",
            "lastHeartbeatAt",
            "1"),
        KeySink.NO_EXPIRY);

    assertThat(rejects.counts()).containsOnly(entry(RejectReason.MALFORMED, 6L));
    assertThat(stager.staged().get(Stage.REPL)).isZero();
  }

  @Test
  void unknownKeysAndWrongTypes_areRejected() {
    stager.string("session:1", "x", KeySink.NO_EXPIRY);
    stager.string("repl:r1", "x", KeySink.NO_EXPIRY);
    stager.other("repl:r1:containers", "list", KeySink.NO_EXPIRY);
    stager.other("queue:jobs", "list", KeySink.NO_EXPIRY);

    assertThat(rejects.counts())
        .containsOnly(entry(RejectReason.UNKNOWN_KEY, 2L), entry(RejectReason.WRONG_TYPE, 2L));
  }

  @Test
  void keysExpiredAtTheBackupsTime_areSkippedAndCounted_notRejected() {
    stager.hash("repl:r1", repl(), BACKUP - 1);
    stager.hash("repl:r1", repl(), BACKUP);
    stager.hash("repl:r1", repl(), BACKUP + 1);
    stager.hash(
        "tombstone:r1",
        Map.of(
            "replId",
            "r1",
            "from",
            "a",
            "to",
            "b",
            "createdAt",
            "1",
            "expiresAt",
            Long.toString(BACKUP)),
        KeySink.NO_EXPIRY);

    assertThat(stager.skippedExpired()).isEqualTo(3);
    assertThat(stager.staged().get(Stage.REPL)).isEqualTo(1);
    assertThat(rejects.total()).isZero();
  }

  @Test
  void nonIntegralScores_areRejected() {
    stager.zset("repl:r1:containers", new String[] {"c1"}, new double[] {1.5}, KeySink.NO_EXPIRY);
    assertThat(rejects.counts()).containsOnly(entry(RejectReason.MALFORMED, 1L));
  }

  @Test
  void rejectsPastTheLimit_stopTheImport() {
    Rejects limited = new Rejects(null, 1);
    limited.add("a", RejectReason.UNKNOWN_KEY, null);
    assertThatThrownBy(() -> limited.add("b", RejectReason.UNKNOWN_KEY, null))
        .isInstanceOf(Rejects.TooManyRejectsException.class)
        .hasMessage("more than 1 rejected records (--max-rejects 1); the last was b (unknown_key)");
  }
}
