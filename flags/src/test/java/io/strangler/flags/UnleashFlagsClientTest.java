package io.strangler.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Unleash source over the real Unleash client and its evaluation engine, fed offline from files
 * in Unleash's client-features format (bootstrap and backup), and pointed at an Unleash that is not
 * there.
 */
class UnleashFlagsClientTest {
  @TempDir Path dir;
  private UnleashFlags flags;

  @AfterEach
  void close() {
    if (flags != null) {
      flags.close();
    }
  }

  private Path resource(String name) throws IOException {
    Path p = dir.resolve(name);
    try (InputStream in =
        Objects.requireNonNull(getClass().getResourceAsStream("/unleash/" + name))) {
      Files.copy(in, p);
    }
    return p;
  }

  private UnleashFlags offline(String bootstrap) throws IOException {
    flags =
        UnleashFlags.builder()
            .offline()
            .bootstrapFile(resource(bootstrap))
            .backupFile(dir.resolve("backup.json"))
            .knownOperations(
                List.of("GetRepl", "CreateRepl", "ListMachines", "Heartbeat", "DrainMachine"))
            .build();
    return flags;
  }

  @Test
  void bootstrap_flexibleRolloutThirtyPercent_splitsKeysAndSticks() throws IOException {
    offline("rollout-30.json");
    int newPrimary = 0;
    Mode[] first = new Mode[10_000];
    for (int i = 0; i < first.length; i++) {
      Decision d = flags.decide("GetRepl", "repl-" + i);
      first[i] = d.mode();
      if (d.mode() == Mode.NEW_PRIMARY) {
        assertThat(d.source()).isEqualTo("unleash");
        newPrimary++;
      } else {
        assertThat(d).isEqualTo(new Decision(Mode.SHADOW, "unleash, outside rollout"));
      }
    }
    assertThat(newPrimary).isBetween(2_800, 3_200);
    for (int i = 0; i < first.length; i += 7) {
      assertThat(flags.decide("GetRepl", "repl-" + i).mode()).isEqualTo(first[i]);
    }
  }

  @Test
  void bootstrap_snapshotShowsModesRolloutsAndBadVariants() throws IOException {
    offline("rollout-30.json");
    FlagsSnapshot s = flags.snapshot();
    assertThat(s.source()).isEqualTo("unleash");
    assertThat(s.killLegacy()).isFalse();
    assertThat(s.killNew()).isFalse();
    assertThat(s.apis())
        .containsExactly(
            new ApiFlag("CreateRepl", Mode.SHADOW, 100, Mode.SHADOW, Mode.LEGACY_ONLY, "unleash"),
            new ApiFlag("DrainMachine", null, null, Mode.LEGACY_ONLY, Mode.LEGACY_ONLY, "default"),
            new ApiFlag("GetRepl", Mode.NEW_PRIMARY, 30, Mode.NEW_PRIMARY, Mode.SHADOW, "unleash"),
            new ApiFlag("Heartbeat", null, 100, Mode.LEGACY_ONLY, Mode.LEGACY_ONLY, "unleash"),
            new ApiFlag(
                "ListMachines", Mode.NEW_ONLY, 0, Mode.NEW_ONLY, Mode.NEW_PRIMARY, "unleash"));
    assertThat(s.error().message())
        .contains("toggle strangler.Heartbeat: variant 'SHADDOW' is not a mode");
  }

  @Test
  void bootstrap_disabledToggle_everyKeyOneStepBack() throws IOException {
    offline("rollout-30.json");
    for (int i = 0; i < 100; i++) {
      assertThat(flags.decide("ListMachines", "r" + i))
          .isEqualTo(new Decision(Mode.NEW_PRIMARY, "unleash, outside rollout"));
    }
    assertThat(flags.decide("CreateRepl", "r1")).isEqualTo(new Decision(Mode.SHADOW, "unleash"));
    assertThat(flags.decide("DrainMachine", "r1"))
        .isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
  }

  @Test
  void bootstrap_killNew_overridesEveryApi() throws IOException {
    offline("kill-new.json");
    assertThat(flags.snapshot().killNew()).isTrue();
    assertThat(flags.decide("CreateRepl", "r1"))
        .isEqualTo(new Decision(Mode.LEGACY_ONLY, "unleash, kill.new"));
    for (int i = 0; i < 200; i++) {
      assertThat(flags.decide("GetRepl", "r" + i).mode()).isEqualTo(Mode.LEGACY_ONLY);
    }
  }

  @Test
  void unreachable_noBackup_defaultsWithoutCrashOrWait() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path backup = dir.resolve("backup.json");
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> {
          flags = connect(port, backup);
          for (int i = 0; i < 1_000; i++) {
            assertThat(flags.decide("GetRepl", "r" + i))
                .isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
          }
        });
    await().atMost(Duration.ofSeconds(5)).until(() -> flags.snapshot().error() != null);
    assertThat(flags.snapshot().error().message())
        .startsWith("Unleash: Could not fetch toggles")
        .endsWith("using the last known flags (backup file), else the defaults");
    assertThat(flags.decide("GetRepl", "r1").mode()).isEqualTo(Mode.LEGACY_ONLY);
  }

  @Test
  void unreachable_withBackup_usesLastKnownFlags() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path backup = dir.resolve("backup.json");
    Files.copy(resource("rollout-30.json"), backup);
    flags = connect(port, backup);
    assertThat(flags.decide("CreateRepl", "r1")).isEqualTo(new Decision(Mode.SHADOW, "unleash"));
    assertThat(flags.snapshot().apis())
        .contains(
            new ApiFlag("GetRepl", Mode.NEW_PRIMARY, 30, Mode.NEW_PRIMARY, Mode.SHADOW, "unleash"));
  }

  @Test
  void hangingUnleash_decideNeverWaitsForIt() throws IOException {
    // Accepts connections (the backlog does) but never answers: a fetch would hang until timeout.
    try (ServerSocket hang = new ServerSocket(0)) {
      Path backup = dir.resolve("backup.json");
      Files.copy(resource("rollout-30.json"), backup);
      assertTimeoutPreemptively(
          Duration.ofSeconds(2),
          () -> {
            flags = connect(hang.getLocalPort(), backup);
            for (int i = 0; i < 1_000; i++) {
              assertThat(flags.decide("CreateRepl", "r" + i).mode()).isEqualTo(Mode.SHADOW);
            }
          });
    }
  }

  /**
   * Two proxies on one host, neither given a backup file: the one that fetched from Unleash keeps
   * its own backup (and starts from it again), the other, started while Unleash is down, does not
   * start from the first one's flags.
   */
  @Test
  void twoInstancesOnOneHost_eachKeepsItsOwnDefaultBackupFile() throws Exception {
    String run = Long.toString(System.nanoTime());
    String a = "host-" + run + ":8080";
    String b = "host-" + run + ":8081";
    Path backupA = UnleashFlags.defaultBackupFile("strangler", a);
    Path backupB = UnleashFlags.defaultBackupFile("strangler", b);
    assertThat(backupA).isNotEqualTo(backupB);
    byte[] features = Files.readAllBytes(resource("rollout-30.json"));
    HttpServer unleash = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    unleash.createContext(
        "/",
        exchange -> {
          try (exchange) {
            byte[] body =
                exchange.getRequestURI().getPath().endsWith("/client/features")
                    ? features
                    : new byte[0];
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
              exchange.getResponseBody().write(body);
            }
          }
        });
    unleash.start();
    try {
      flags = connect(unleash.getAddress().getPort(), a);
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(backupA));
      assertThat(flags.decide("CreateRepl", "r1")).isEqualTo(new Decision(Mode.SHADOW, "unleash"));
      flags.close();
      unleash.stop(0);
      int down;
      try (ServerSocket s = new ServerSocket(0)) {
        down = s.getLocalPort();
      }

      flags = connect(down, b);
      assertThat(flags.decide("CreateRepl", "r1"))
          .as("the second proxy, Unleash down, starts from defaults, not the first one's flags")
          .isEqualTo(new Decision(Mode.LEGACY_ONLY, "default"));
      flags.close();
      flags = connect(down, a);
      assertThat(flags.decide("CreateRepl", "r1"))
          .as("the first proxy, restarted, starts from its own backup")
          .isEqualTo(new Decision(Mode.SHADOW, "unleash"));
    } finally {
      unleash.stop(0);
      Files.deleteIfExists(backupA);
      Files.deleteIfExists(backupB);
    }
  }

  private UnleashFlags connect(int port, String instanceId) {
    return UnleashFlags.builder()
        .api(URI.create("http://127.0.0.1:" + port + "/api/"), "*:development.token")
        .instanceId(instanceId)
        .fetchInterval(Duration.ofSeconds(1))
        .knownOperations(List.of("GetRepl", "CreateRepl"))
        .build();
  }

  @Test
  void build_contradictoryOrMissingSource_failsWithAMessage() {
    assertThatThrownBy(() -> UnleashFlags.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("say where the flags come from");
    assertThatThrownBy(
            () ->
                UnleashFlags.builder()
                    .offline()
                    .api(URI.create("http://127.0.0.1:1/api/"), "t")
                    .build())
        .hasMessageStartingWith("say where the flags come from");
    assertThatThrownBy(
            () -> UnleashFlags.builder().offline().bootstrapFile(dir.resolve("none.json")).build())
        .hasMessageContaining("is not readable");
  }

  private UnleashFlags connect(int port, Path backup) {
    return UnleashFlags.builder()
        .api(URI.create("http://127.0.0.1:" + port + "/api/"), "*:development.token")
        .backupFile(backup)
        .fetchInterval(Duration.ofSeconds(1))
        .knownOperations(List.of("GetRepl", "CreateRepl"))
        .build();
  }
}
