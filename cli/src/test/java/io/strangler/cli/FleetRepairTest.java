package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.cli.LocalFleet.Instance;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.convergence.DriftReport;
import io.strangler.convergence.DriftScanner;
import io.strangler.convergence.Stores;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code strangler serve} processes on one Redis and one PostgreSQL share the repairs of
 * failed shadow writes: each forwards its journal into the shared queue, one holds the repairer
 * lease and repairs for all. The holder is killed (SIGKILL) with repairs still waiting: another
 * instance takes the role over within seconds and repairs the rest, the dead one's forwarded
 * entries included; a drift scan then finds 0 differences, and every entity was written by a repair
 * once. The killed instance then restarts on its own state directory and rejoins as a forwarder.
 */
@ExtendWith(RealServers.class)
class FleetRepairTest {
  private static final String TOKEN = LocalFleet.TOKEN;
  private static final List<String> OPERATIONS =
      Operation.ALL.stream().map(Operation::name).toList();
  private static final Duration LEASE = Duration.ofSeconds(3); // renewed every second
  private static final int REPLS = 120;
  private static final int CLIENTS = 8;

  private final RedisDb redis;
  private final PostgresDb pg;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final List<Instance> instances = new ArrayList<>();

  @TempDir Path dir;

  FleetRepairTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @AfterEach
  void stop() throws Exception {
    for (Instance i : instances) {
      if (i.process().isAlive()) {
        i.process().destroyForcibly();
      }
    }
    for (Instance i : instances) {
      i.process().waitFor(30, TimeUnit.SECONDS);
    }
    http.close();
  }

  @Test
  void theRepairerKilledWithRepairsWaiting_anotherTakesOverWithinSeconds_andRepairsEachEntityOnce()
      throws Exception {
    redis.flush();
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    Topology topology = Topology.sample(2, 2);
    CallContext ctx = new CallContext("fleet-repair-test", Instant.now());
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      legacy.applyTopology(topology);
      controlPlane.applyTopology(topology);
      // Drift the shadow store: it holds other repls of these ids, so every shadow CreateRepl is
      // refused, journaled, and repaired from legacy.
      for (int n = 0; n < REPLS; n++) {
        controlPlane.createRepl(
            new CreateReplRequest(id(n), "squatter", "squat-" + n, "region-1"), ctx);
      }
    }
    // Every write to a repl row from now on, counted by repl: a repair applied twice shows as 2.
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE repl_writes (repl_id TEXT PRIMARY KEY, n INT NOT NULL)");
      s.execute(
          "CREATE FUNCTION count_repl_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " INSERT INTO repl_writes VALUES (NEW.repl_id, 1)"
              + " ON CONFLICT (repl_id) DO UPDATE SET n = repl_writes.n + 1; RETURN NEW; END $$");
      s.execute(
          "CREATE TRIGGER count_repl_write AFTER INSERT OR UPDATE ON repls"
              + " FOR EACH ROW EXECUTE FUNCTION count_repl_write()");
    }
    Path seed = dir.resolve("seed-flags.json");
    Files.write(seed, FlagsFile.allIn(Mode.SHADOW, OPERATIONS).toJson());
    Path classpath = dir.resolve("classpath.args");
    Files.writeString(classpath, "-cp \"" + System.getProperty("java.class.path") + "\"\n");

    instances.add(start("i1", classpath, seed));
    awaitReady(instances.get(0));
    instances.add(start("i2", classpath, seed));
    instances.add(start("i3", classpath, seed));
    awaitReady(instances.get(1));
    awaitReady(instances.get(2));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> instances.stream().filter(this::holdsRole).count() == 1);
    Instance holder = instances.stream().filter(this::holdsRole).findFirst().orElseThrow();
    long tokenBefore = repairs(holder).path("fleet").path("repairer").path("token").asLong();

    // Eight clients create the repls, each call to the next instance in turn.
    AtomicInteger next = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < CLIENTS; t++) {
      clients.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    int n;
                    while ((n = next.getAndIncrement()) < REPLS) {
                      Instance to = instances.get(n % instances.size());
                      HttpResponse<String> r =
                          post(
                              to,
                              "CreateRepl",
                              "{\"replId\":\""
                                  + id(n)
                                  + "\",\"ownerId\":\"owner-"
                                  + n
                                  + "\",\"slug\":\"app-"
                                  + n
                                  + "\",\"region\":\"region-1\"}");
                      if (r.statusCode() != 200) {
                        failures.add(id(n) + ": " + r.statusCode() + " " + r.body());
                      }
                    }
                  }));
    }
    for (Thread t : clients) {
      t.join(120_000);
    }
    assertThat(failures).as("every create is acknowledged (legacy is authoritative)").isEmpty();

    // Every instance forwards its journal; the holder repairs slowly (--repair-rate 5), claiming
    // 64 rows at a time and completing them together.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              long forwarded = 0;
              for (Instance i : instances) {
                JsonNode r = repairs(i);
                assertThat(r.path("pending").asLong()).as(i.id() + " journal").isZero();
                forwarded += r.path("fleet").path("forwarded").asLong();
              }
              assertThat(forwarded).isEqualTo(REPLS);
            });
    // Killed as soon as it has completed a claim (at most 64 of the 120), so that some still wait:
    // how many depends on how long the forwarding took (15 to 120 seen, fewer under load).
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> repairs(holder).path("fleet").path("completed").asLong() > 0);
    long waitingAtKill = repairs(holder).path("fleet").path("pending").asLong();
    assertThat(waitingAtKill).as("repairs still waiting").isPositive();

    long killedAt = System.nanoTime();
    holder.process().destroyForcibly(); // SIGKILL: the lease is not released
    holder.process().waitFor(10, TimeUnit.SECONDS);
    List<Instance> survivors = instances.stream().filter(i -> i != holder).toList();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              long holding = survivors.stream().filter(this::holdsRole).count();
              assertThat(holding).as("holders at once").isLessThanOrEqualTo(1);
              return holding == 1;
            });
    long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
    Instance successor = survivors.stream().filter(this::holdsRole).findFirst().orElseThrow();

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              assertThat(survivors.stream().filter(this::holdsRole).count())
                  .as("holders at once")
                  .isLessThanOrEqualTo(1);
              return repairs(successor).path("fleet").path("pending").asLong(-1) == 0;
            });
    long repairedAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
    JsonNode after = repairs(successor);

    DriftReport scan;
    try (Stores stores =
        Stores.open(redis.uri(), pg.database(), 2, Clock.systemUTC(), Duration.ofSeconds(10))) {
      scan = stores.scanner().scan(DriftScanner.Options.all());
    }
    Map<Integer, Integer> writesPerRepl = new TreeMap<>();
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT n, count(*) FROM repl_writes GROUP BY n")) {
      while (rs.next()) {
        writesPerRepl.put(rs.getInt(1), rs.getInt(2));
      }
    }
    JsonNode readiness = adminJson(successor, "/admin/readiness");
    String metrics = admin(successor, "/metrics").body();

    System.out.printf(
        "fleet repairs: %d repls drifted, forwarded by 3 instances; holder %s killed with %d waiting;"
            + " %s took the role over after %d ms (lease %s, renewed every %s), the queue was empty"
            + " %d ms after the kill, the successor's syncs: %d repaired, %d already equal (the dead"
            + " holder's last claim); repl rows written per repl (writes: repls) %s; drift %d%n",
        REPLS,
        holder.id(),
        waitingAtKill,
        successor.id(),
        takeoverMs,
        LEASE,
        LEASE.dividedBy(3),
        repairedAfterMs,
        after.path("repaired").asLong(),
        after.path("alreadyEqual").asLong(),
        writesPerRepl,
        scan.drifted());
    assertThat(takeoverMs)
        .as("within the lease's ttl and one renewal, plus the admin poll")
        .isLessThan(LEASE.plus(LEASE.dividedBy(3)).plusSeconds(2).toMillis());
    assertThat(after.path("fleet").path("repairer").path("token").asLong())
        .as("a new holder, a new fencing token")
        .isGreaterThan(tokenBefore);
    assertThat(after.path("fleet").path("repairer").path("instance").asText())
        .isEqualTo(successor.id());
    assertThat(scan.drifted()).as(scan.toString()).isZero();
    assertThat(writesPerRepl)
        .as("every repl repaired, each written once")
        .isEqualTo(Map.of(1, REPLS));
    assertThat(readiness.path("repairs").path("fleet").path("pending").asLong(-1)).isZero();
    assertThat(metrics)
        .contains("strangler_repairs_leader 1")
        .contains("strangler_repairs_fleet_pending 0");
    for (Instance i : survivors) {
      if (i != successor) {
        assertThat(admin(i, "/metrics").body()).contains("strangler_repairs_leader 0");
      }
    }

    // The killed instance restarts on its own state directory (its lock died with it): it rejoins
    // as a forwarder, its journal empty, and the role stays where it is.
    Instance restarted = start(holder.id(), classpath, seed);
    instances.add(restarted);
    awaitReady(restarted);
    JsonNode back = repairs(restarted);
    assertThat(back.path("pending").asLong()).as("nothing left in its journal").isZero();
    // Killed, it may have held shadow writes unsent: it starts a drift scan for what they left by
    // itself (at --repair-rate 5 entities a second it runs longer than this test waits).
    assertThat(back.path("previousRunEndedUncleanly").asBoolean()).as(back.toString()).isTrue();
    assertThat(back.path("needsDriftScan").toString()).contains("CreateRepl");
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              JsonNode auto = repairs(restarted).path("driftScan");
              return auto.path("running").asBoolean() || auto.path("automaticStarted").asLong() > 0;
            });
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !holdsRole(restarted) && holdsRole(successor));
  }

  private static String id(int n) {
    return "fr-" + n;
  }

  private boolean holdsRole(Instance i) {
    try {
      return repairs(i).path("fleet").path("holdsRepairerRole").asBoolean();
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  private JsonNode repairs(Instance i) {
    return adminJson(i, "/admin/repairs");
  }

  private Instance start(String id, Path classpath, Path seed) throws IOException {
    return LocalFleet.startServe(
        dir,
        id,
        classpath,
        redis.uri(),
        LocalFleet.postgresUrl(pg.jdbcUrl(), pg.user(), pg.password()),
        seed,
        List.of(
            "--repair-rate",
            "5",
            "--repair-lease",
            LEASE.toString(),
            "--pool-size",
            "4",
            "--shadow-pool-size",
            "2"));
  }

  private void awaitReady(Instance i) {
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                if (!i.process().isAlive()) {
                  throw new AssertionError(i.id() + " exited: " + Files.readString(i.log()));
                }
                try {
                  return send(HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + i.port() + "/readyz"))
                              .timeout(Duration.ofSeconds(5))
                              .GET()
                              .build())
                          .statusCode()
                      == 200;
                } catch (UncheckedIOException e) {
                  return false;
                }
              });
    } catch (RuntimeException | AssertionError e) {
      String log;
      try {
        log = Files.readString(i.log());
      } catch (IOException io) {
        log = "(unreadable: " + io + ")";
      }
      throw new AssertionError(i.id() + " did not become ready; its log:\n" + log, e);
    }
  }

  private HttpResponse<String> post(Instance i, String operation, String body) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + i.port() + "/v1/" + operation))
            .timeout(Duration.ofSeconds(15))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpResponse<String> admin(Instance i, String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + i.adminPort() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + TOKEN)
            .GET()
            .build());
  }

  private JsonNode adminJson(Instance i, String path) {
    HttpResponse<String> r = admin(i, path);
    assertThat(r.statusCode()).as(i.id() + " " + path + ": " + r.body()).isEqualTo(200);
    try {
      return ControlApiJson.mapper().readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
