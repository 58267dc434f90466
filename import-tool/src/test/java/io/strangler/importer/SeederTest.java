package io.strangler.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.model.Container;
import io.strangler.api.model.ContainerState;
import io.strangler.api.model.HostingState;
import io.strangler.api.model.Machine;
import io.strangler.api.model.MachineState;
import io.strangler.api.model.Repl;
import io.strangler.api.ops.GetHostingMetadataRequest;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ListContainersRequest;
import io.strangler.api.ops.ListMachinesRequest;
import io.strangler.api.ops.ResolveClusterRequest;
import io.strangler.legacy.LegacyRedisControlPlane;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;

/** The seeded dataset: deterministic for a seed, and legacy data the legacy backend reads right. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeederTest {
  private static final Instant NOW = Instant.parse("2026-11-21T07:00:00.123Z");

  @TempDir static Path dir;
  private OwnRedis redis;

  @BeforeAll
  void start() {
    redis = OwnRedis.embedded(dir);
  }

  @AfterAll
  void stop() {
    redis.close();
  }

  @Test
  void sameSeedAndNow_writeTheSameKeysAndValues_anotherSeedDoesNot() {
    SeedSummary a = Seeder.seed(options(1, 7).build());
    SeedSummary b = Seeder.seed(options(2, 7).build());
    Seeder.seed(options(3, 8).build());

    assertThat(b).usingRecursiveComparison().ignoringFields("elapsed").isEqualTo(a);
    assertThat(dump(2)).isEqualTo(dump(1));
    assertThat(dump(3)).isNotEqualTo(dump(1));
  }

  @Test
  void seededData_readsBackThroughTheLegacyBackend_consistently() {
    // Tombstones expire on Redis's clock: a dataset for checking them is taken now.
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    SeedSummary s =
        Seeder.seed(options(4, 11).now(now).tombstoneShare(0.1).pendingTransferShare(0.1).build());
    assertThat(s.repls()).isEqualTo(300);
    assertThat(s.containers()).isPositive();
    assertThat(s.runningContainers()).isPositive();
    assertThat(s.pendingTransfers()).isPositive();
    assertThat(s.tombstones()).isPositive();

    CallContext ctx = CallContext.of("check", now);
    try (LegacyRedisControlPlane legacy = LegacyRedisControlPlane.create(redis.uri(4), 2)) {
      assertThat(legacy.countReplsWithMultipleRunningContainers()).isZero();
      int running = 0;
      int pending = 0;
      int tombstones = 0;
      int containers = 0;
      for (int i = 0; i < s.repls(); i++) {
        String id = String.format("repl-%08d", i);
        Repl repl = legacy.getRepl(new GetReplRequest(id), ctx);
        assertThat(legacy.topology().regionOf(repl.cluster())).contains(repl.region());
        assertThat(repl.createdAt()).isBefore(now);
        pending += repl.pendingTransferTo() != null ? 1 : 0;
        List<Container> list =
            legacy.listContainers(new ListContainersRequest(id, null), ctx).containers();
        containers += list.size();
        List<Container> runningOnes =
            list.stream().filter(c -> c.state() == ContainerState.RUNNING).toList();
        assertThat(runningOnes).hasSizeLessThanOrEqualTo(1);
        running += runningOnes.size();
        assertThat(list).allSatisfy(c -> assertThat(c.cluster()).isEqualTo(repl.cluster()));
        assertThat(list)
            .isSortedAccordingTo(
                java.util.Comparator.comparing(Container::startedAt)
                    .thenComparing(Container::containerId));
        HostingMetadata hosting =
            legacy.getHostingMetadata(new GetHostingMetadataRequest(repl.slug()), ctx);
        assertThat(hosting.replId()).isEqualTo(id);
        assertThat(hosting.state())
            .isEqualTo(runningOnes.isEmpty() ? HostingState.COLD : HostingState.RUNNING);
        if (!runningOnes.isEmpty()) {
          assertThat(hosting.containerId()).isEqualTo(runningOnes.get(0).containerId());
        }
        var resolved = legacy.resolveCluster(new ResolveClusterRequest(id), ctx);
        if (resolved.tombstone() != null) {
          tombstones++;
          assertThat(resolved.tombstone().to()).isEqualTo(repl.cluster());
          assertThat(resolved.tombstone().expiresAt()).isAfter(now);
        }
      }
      assertThat(running).isEqualTo(s.runningContainers());
      assertThat(pending).isEqualTo(s.pendingTransfers());
      assertThat(tombstones).isEqualTo(s.tombstones());
      assertThat(containers).isEqualTo(s.containers());

      int machines = 0;
      for (String cluster : clusters(legacy)) {
        for (Machine m : legacy.listMachines(new ListMachinesRequest(cluster), ctx).machines()) {
          machines++;
          long onIt =
              legacy
                  .listContainers(new ListContainersRequest(null, m.machineId()), ctx)
                  .containers()
                  .stream()
                  .filter(c -> c.state() == ContainerState.RUNNING)
                  .count();
          assertThat(m.runningContainers()).isEqualTo(onIt).isLessThanOrEqualTo(m.capacity());
          if (m.state() == MachineState.DRAINING) {
            assertThat(m.cluster()).isEqualTo(cluster);
          }
        }
      }
      assertThat(machines).isEqualTo(s.machines());
    }
  }

  @Test
  void seedCommand_refusesANonEmptyDatabase_unlessToldToFlushIt() {
    try (Jedis j = redis.connect(5)) {
      j.set("something", "here");
    }
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new SeedCommand()).setErr(new PrintWriter(err));
    String[] args = {
      "--redis", redis.uri(5), "--repls", "10", "--machines", "2", "--now", NOW.toString()
    };

    assertThat(cli.execute(args)).isEqualTo(1);
    assertThat(err.toString()).contains("is not empty (1 keys)").contains("--flush");

    StringWriter out = new StringWriter();
    CommandLine flushing = new CommandLine(new SeedCommand()).setOut(new PrintWriter(out));
    String[] flush = {"--redis", redis.uri(5), "--repls", "10", "--machines", "2", "--flush"};
    assertThat(flushing.execute(flush)).isZero();
    assertThat(out.toString()).contains("10 repls");
    try (Jedis j = redis.connect(5)) {
      assertThat(j.exists("something")).isFalse();
    }
  }

  @Test
  void seedCommand_rejectsBadUsage() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new SeedCommand()).setErr(new PrintWriter(err));
    assertThat(cli.execute("--redis", "http://nope", "--repls", "1", "--machines", "1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("expected a Redis URL like redis://");
  }

  private SeedOptions.Builder options(int db, long seed) {
    return SeedOptions.builder()
        .redis(redis.uri(db))
        .repls(300)
        .machines(9)
        .seed(seed)
        .now(NOW)
        .flush(true);
  }

  private static List<String> clusters(LegacyRedisControlPlane legacy) {
    List<String> all = new ArrayList<>();
    legacy.topology().regions().values().forEach(all::addAll);
    return all;
  }

  /** Every key with its type and content, in key order. */
  private Map<String, String> dump(int db) {
    Map<String, String> out = new TreeMap<>();
    try (Jedis j = redis.connect(db)) {
      for (String key : j.keys("*")) {
        String v =
            switch (j.type(key)) {
              case "string" -> j.get(key);
              case "hash" -> new TreeMap<>(j.hgetAll(key)).toString();
              case "set" -> new java.util.TreeSet<>(j.smembers(key)).toString();
              case "zset" -> j.zrangeWithScores(key, 0, -1).toString();
              default -> "?";
            };
        out.put(key, v + " ttl " + (j.pttl(key) > 0 ? "set" : "none"));
      }
    }
    return out;
  }
}
