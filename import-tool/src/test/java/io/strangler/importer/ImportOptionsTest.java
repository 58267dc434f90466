package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportOptionsTest {
  @TempDir Path dir;

  @Test
  void liveSource_importsTheUrlsDatabase_andVerifiesAgainstIt() {
    ImportOptions o =
        ImportOptions.builder()
            .redis("redis://10.0.0.9:6380/4")
            .postgres("jdbc:postgresql://db:5432/cp")
            .verify(10)
            .build();
    assertThat(o.db()).isEqualTo(4);
    assertThat(o.verifyRedisUrl()).isEqualTo("redis://10.0.0.9:6380/4");
    assertThat(o.mode()).isEqualTo(ImportMode.EMPTY);
    assertThat(o.maxRejects()).isEqualTo(-1);
    assertThat(o.verifyThreshold()).isEqualTo(100.0);
  }

  @Test
  void dbOption_overridesTheUrls() {
    ImportOptions o =
        ImportOptions.builder()
            .redis("redis://h:6379/4")
            .db(2)
            .postgres("postgresql://u@h/cp")
            .build();
    assertThat(o.db()).isEqualTo(2);
    assertThat(o.postgres().jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/cp");
  }

  @Test
  void invalidCombinations_failWithWhatToDo() throws IOException {
    Path rdb = Files.write(dir.resolve("d.rdb"), new byte[] {1});
    assertThatThrownBy(() -> ImportOptions.builder().postgres("postgresql://h/x").build())
        .hasMessageContaining("--rdb FILE (a backup) or --redis URL");
    assertThatThrownBy(() -> ImportOptions.builder().rdb(rdb).build())
        .hasMessageContaining("--postgres postgresql://");
    assertThatThrownBy(
            () -> ImportOptions.builder().rdb(rdb).postgres("postgresql://h/x").verify(5).build())
        .hasMessageContaining("give --verify-redis URL");
    assertThatThrownBy(
            () ->
                ImportOptions.builder()
                    .rdb(rdb)
                    .postgres("postgresql://h/x")
                    .verifyThreshold(101)
                    .build())
        .hasMessageContaining("--verify-threshold is a percentage in 0..100, got 101.0");
    assertThatThrownBy(
            () ->
                ImportOptions.builder()
                    .redis("redis://h:1/99x")
                    .postgres("postgresql://h/x")
                    .build())
        .hasMessageContaining("expected a Redis URL like redis://127.0.0.1:6379/0");
    assertThatThrownBy(
            () ->
                ImportOptions.builder()
                    .rdb(rdb)
                    .postgres("postgresql://h/x")
                    .maxRejects(-2)
                    .build())
        .hasMessageContaining("--max-rejects must be >= 0");
    assertThatThrownBy(
            () ->
                ImportOptions.builder()
                    .rdb(rdb)
                    .postgres("postgresql://h/x")
                    .maxRejectShare(100.5)
                    .build())
        .hasMessageContaining("--max-reject-share is a percentage in 0..100, got 100.5");
  }

  @Test
  void rejectShare_defaultsTo1Percent_unlessAShareOrACountIsGiven() throws IOException {
    Path rdb = Files.write(dir.resolve("d.rdb"), new byte[] {1});
    ImportOptions.Builder b = ImportOptions.builder().rdb(rdb).postgres("postgresql://h/x");
    assertThat(b.build().maxRejectShare()).isEqualTo(1.0);
    assertThat(b.maxRejects(50).build().maxRejectShare()).isEqualTo(-1);
    assertThat(b.maxRejectShare(2.5).build().maxRejectShare()).isEqualTo(2.5);
    assertThat(b.maxRejects(-1).maxRejectShare(null).build().maxRejectShare()).isEqualTo(1.0);
  }
}
