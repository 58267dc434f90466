package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.servers.RealServers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(RealServers.class)
class SmokeTest {
  @Test
  void smoke(RealServers.PostgresDb pg, @TempDir Path dir) {
    try (OwnRedis redis = OwnRedis.embedded(dir)) {
      SeedSummary s =
          Seeder.seed(SeedOptions.builder().redis(redis.uri(0)).repls(2000).machines(30).build());
      System.out.println(s.render());
      Path rdb = redis.save();
      ImportOutcome out =
          Importer.run(
              ImportOptions.builder()
                  .rdb(rdb)
                  .postgres(pg.database())
                  .rejectsFile(dir.resolve("rejects.jsonl"))
                  .verify(200)
                  .verifyRedis(redis.uri(0))
                  .progress(ImportOptions.Progress.LOG)
                  .build());
      System.out.println(out);
      if (out instanceof ImportOutcome.Imported i) {
        System.out.println(i.summary().render());
        System.out.println(i.verify().render());
      }
      assertThat(out).isInstanceOf(ImportOutcome.Imported.class);
    }
  }
}
