package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups that do not read back whole, and stores that cannot be reached: each is a clear error
 * naming the file offset where it applies, and the control plane (holding an earlier import) is
 * left exactly as it was, although the import runs in REPLACE mode.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  @TempDir static Path dir;

  private RealServers.PostgresDb pg;
  private byte[] rdb;
  private Map<String, List<String>> before;

  @BeforeAll
  void importAGoodBackup(RealServers.PostgresDb pg) throws IOException {
    this.pg = pg;
    try (OwnRedis redis = OwnRedis.embedded(dir)) {
      Seeder.seed(SeedOptions.builder().redis(redis.uri(0)).repls(300).machines(12).build());
      rdb = Files.readAllBytes(redis.save());
    }
    ImportOutcome first = run(write("good.rdb", rdb));
    assertThat(first).isInstanceOf(ImportOutcome.Imported.class);
    before = TableDump.of(pg.database());
    assertThat(before.get("repls")).hasSize(300);
  }

  @AfterAll
  void nothingChanged() {
    assertThat(TableDump.of(pg.database())).isEqualTo(before);
  }

  @Test
  void truncatedFile_isRefused_namingWhereItEnds() {
    Failure f = failure(run(write("half.rdb", Arrays.copyOf(rdb, rdb.length / 2))));
    assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.BAD_INPUT);
    assertThat(f.message()).contains("half.rdb is truncated").containsPattern("offset \\d+");
    assertUnchanged();
  }

  @Test
  void fileCutInsideTheChecksum_isRefusedAsTruncated() {
    Failure f = failure(run(write("cut.rdb", Arrays.copyOf(rdb, rdb.length - 3))));
    assertThat(f.message()).contains("cut.rdb is truncated");
    assertUnchanged();
  }

  @Test
  void fileCutInsideTheHeader_isRefused() {
    Failure f = failure(run(write("head.rdb", Arrays.copyOf(rdb, 7))));
    assertThat(f.message()).contains("head.rdb is truncated").contains("inside the RDB header");
  }

  @Test
  void flippedByteInAValue_failsTheChecksum() {
    byte[] bad = rdb.clone();
    int at = indexOf(bad, "slug:".getBytes(StandardCharsets.US_ASCII));
    bad[at + 2] ^= 0x01; // slug: -> smug: ... the file still parses, its sum does not
    Failure f = failure(run(write("flipped.rdb", bad)));
    assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.BAD_INPUT);
    assertThat(f.message())
        .contains("flipped.rdb is corrupt")
        .contains("checksum (offset " + (rdb.length - 8) + ")");
    assertUnchanged();
  }

  @Test
  void flippedTypeByte_isRefused_namingTheOffset() {
    byte[] bad = rdb.clone();
    // A string record is [type 0][key length][key]: make the type one no RDB has.
    int key = indexOf(bad, "slug:".getBytes(StandardCharsets.US_ASCII));
    int type = key - 2;
    assertThat(bad[type]).isEqualTo((byte) 0);
    bad[type] = (byte) 0x3F;
    Failure f = failure(run(write("type.rdb", bad)));
    assertThat(f.message())
        .contains("type.rdb is corrupt near offset " + (type + 1))
        .contains("unexpected value type:63");
    assertUnchanged();
  }

  @Test
  void lengthRunningPastTheEnd_isRefused_withoutAllocatingIt() {
    byte[] bad = rdb.clone();
    int key = indexOf(bad, "slug:".getBytes(StandardCharsets.US_ASCII));
    // The key's length byte (6-bit form) becomes a 32-bit length: 0x80 then 0x7FFFFFFF.
    byte[] longer = new byte[bad.length + 4];
    System.arraycopy(bad, 0, longer, 0, key - 1);
    longer[key - 1] = (byte) 0x80;
    longer[key] = 0x7F;
    longer[key + 1] = (byte) 0xFF;
    longer[key + 2] = (byte) 0xFF;
    longer[key + 3] = (byte) 0xFF;
    System.arraycopy(bad, key, longer, key + 4, bad.length - key);
    Failure f = failure(run(write("long.rdb", longer)));
    assertThat(f.message())
        .contains("long.rdb is truncated or corrupt near offset")
        .contains("a length of 2147483647 bytes at offset " + (key + 4))
        .contains("runs past the end of the file");
    assertUnchanged();
  }

  @Test
  void unknownRdbVersion_isRefused_namingIt() {
    byte[] bad = rdb.clone();
    System.arraycopy("0099".getBytes(StandardCharsets.US_ASCII), 0, bad, 5, 4);
    Failure f = failure(run(write("future.rdb", bad)));
    assertThat(f.message())
        .contains("future.rdb has RDB version 99 (offset 5)")
        .contains("reads versions 2 to 12");
    assertUnchanged();
  }

  @Test
  void fileThatIsNoRdb_isRefused() {
    Failure f =
        failure(run(write("notes.txt", "not a backup\n".getBytes(StandardCharsets.US_ASCII))));
    assertThat(f.message()).contains("notes.txt is not an RDB file").contains("(offset 0)");
    Failure empty = failure(run(write("empty.rdb", new byte[0])));
    assertThat(empty.message()).contains("empty.rdb is not an RDB file");
    assertUnchanged();
  }

  @Test
  void sourceThatCannotBeOpened_leavesADatabaseWithoutTheSchemaUntouched() {
    PostgresEndpoint bare = RoundTripTest.freshDatabase(pg);
    try {
      ImportOutcome out =
          Importer.run(
              ImportOptions.builder()
                  .rdb(write("text.rdb", "hello".getBytes(StandardCharsets.US_ASCII)))
                  .postgres(bare)
                  .progress(ImportOptions.Progress.NONE)
                  .build());
      assertThat(failure(out).message()).contains("is not an RDB file");
      assertThat(TableDump.of(bare).values())
          .allSatisfy(t -> assertThat(t).containsExactly("(no table)"));
    } finally {
      RoundTripTest.drop(pg, bare);
    }
  }

  @Test
  void bytesAfterTheEndMarker_areRefused() {
    byte[] bad = Arrays.copyOf(rdb, rdb.length + 5);
    Failure f = failure(run(write("tail.rdb", bad)));
    assertThat(f.message())
        .contains(
            "tail.rdb has 5 unexpected bytes after the RDB end marker, from offset " + rdb.length);
    assertUnchanged();
  }

  @Test
  void unreachablePostgres_isUnavailable() throws IOException {
    ImportOutcome out =
        Importer.run(
            ImportOptions.builder()
                .rdb(write("ok.rdb", rdb))
                .postgres("postgresql://postgres@127.0.0.1:" + closedPort() + "/nowhere")
                .progress(ImportOptions.Progress.NONE)
                .build());
    Failure f = failure(out);
    assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.UNAVAILABLE);
    assertThat(f.message())
        .contains("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:");
  }

  @Test
  void unreachableRedis_isUnavailable() throws IOException {
    int port = closedPort();
    ImportOutcome out =
        Importer.run(
            ImportOptions.builder()
                .redis("redis://127.0.0.1:" + port + "/0")
                .postgres(pg.database())
                .mode(ImportMode.REPLACE)
                .progress(ImportOptions.Progress.NONE)
                .build());
    Failure f = failure(out);
    assertThat(f.kind()).isEqualTo(ImportOutcome.FailureKind.UNAVAILABLE);
    assertThat(f.message()).contains("cannot read Redis at redis://127.0.0.1:" + port + "/0");
    assertUnchanged();
  }

  // ---------------------------------------------------------------- helpers

  private record Failure(ImportOutcome.FailureKind kind, String message) {}

  private static Failure failure(ImportOutcome out) {
    assertThat(out).isInstanceOf(ImportOutcome.Failed.class);
    ImportOutcome.Failed f = (ImportOutcome.Failed) out;
    assertThat(f.exitCode()).isEqualTo(1);
    if (f.kind() != ImportOutcome.FailureKind.TARGET_NOT_EMPTY) {
      assertThat(f.message()).endsWith("the control plane was not changed");
    }
    return new Failure(f.kind(), f.message());
  }

  private void assertUnchanged() {
    assertThat(TableDump.of(pg.database())).isEqualTo(before);
  }

  private ImportOutcome run(Path file) {
    PostgresEndpoint db = pg.database();
    return Importer.run(
        ImportOptions.builder()
            .rdb(file)
            .postgres(db)
            .mode(ImportMode.REPLACE)
            .progress(ImportOptions.Progress.NONE)
            .build());
  }

  private static Path write(String name, byte[] bytes) {
    try {
      return Files.write(dir.resolve(name), bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found: " + new String(needle, StandardCharsets.US_ASCII));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
