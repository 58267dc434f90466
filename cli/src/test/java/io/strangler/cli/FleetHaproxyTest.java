package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.controlplane.PostgresControlPlane;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code strangler serve} processes on one Redis and one PostgreSQL behind a real HAProxy
 * (health checks on {@code /readyz}, hashing on {@code X-Routing-Key}), under load from eight
 * concurrent clients: the fleet's readiness, a flip, an instance killed, an instance drained. The
 * steps run in order on the same fleet.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetHaproxyTest {
  private static final String TOKEN = LocalFleet.TOKEN;
  private static final List<String> OPERATIONS =
      Operation.ALL.stream().map(Operation::name).toList();
  private static final int CLIENTS = 8;
  private static final Duration CHECK_INTER = Duration.ofMillis(300);
  private static final int FALL = 3;
  // The repairer lease: a dead holder is replaced within 4 s (3 s + a renewal).
  private static final Duration REPAIR_LEASE = Duration.ofSeconds(3);

  private final RedisDb redis;
  private final PostgresDb pg;
  private final HttpClient admin =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final List<LocalFleet.Instance> instances = new ArrayList<>();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private LocalFleet fleet;
  private Process haproxy;
  private int haproxyPort;
  // Chosen by the kill step (the repairer's holder) and the drain step (a survivor).
  private LocalFleet.Instance killed;

  FleetHaproxyTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeAll
  void startFleet(@TempDir Path dir) throws Exception {
    LocalFleet.haproxyBinary(); // fails first, saying what to install, when it is missing
    redis.flush();
    Topology topology = Topology.sample(2, 2);
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri());
        ControlPlane controlPlane =
            new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
      legacy.applyTopology(topology);
      controlPlane.applyTopology(topology);
    }
    Path seed = dir.resolve("seed-flags.json");
    Files.write(seed, FlagsFile.allIn(Mode.SHADOW, OPERATIONS).toJson());
    fleet =
        LocalFleet.start(
            dir,
            3,
            redis.uri(),
            LocalFleet.postgresUrl(pg.jdbcUrl(), pg.user(), pg.password()),
            seed,
            "hdr(X-Routing-Key)",
            new LocalFleet.Options(
                CHECK_INTER, FALL, Duration.ofSeconds(2), Duration.ofMillis(500), REPAIR_LEASE));
    instances.addAll(fleet.instances());
    haproxy = fleet.haproxy();
    haproxyPort = fleet.port();
  }

  @AfterAll
  void stopFleet() {
    if (fleet != null) {
      fleet.close();
    }
    admin.close();
  }

  /** Each server's state as HAProxy's stats page says (UP, DOWN, ...). */
  private Map<String, String> serverStates() {
    return fleet.serverStates();
  }

  private HttpResponse<String> get(URI uri) {
    return send(admin, HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build());
  }

  private HttpResponse<String> adminCall(
      LocalFleet.Instance i, String method, String path, String body) {
    return send(
        admin,
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + i.adminPort() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + TOKEN)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private JsonNode adminJson(LocalFleet.Instance i, String path) {
    HttpResponse<String> r = adminCall(i, "GET", path, null);
    assertThat(r.statusCode()).as(i.id() + " " + path + ": " + r.body()).isEqualTo(200);
    return json(r.body());
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest r) {
    try {
      return client.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(String s) {
    try {
      return ControlApiJson.mapper().readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long compared(JsonNode readiness, String api) {
    for (JsonNode a : readiness.path("apis")) {
      if (a.path("api").asText().equals(api)) {
        return a.path("compared").asLong();
      }
    }
    return 0;
  }

  /** Every result of {@code api}: compared or not (a shadow that timed out is not compared). */
  private static long results(JsonNode readiness, String api) {
    for (JsonNode a : readiness.path("apis")) {
      if (a.path("api").asText().equals(api)) {
        return a.path("compared").asLong() + a.path("notCompared").asLong();
      }
    }
    return 0;
  }

  private static String mode(JsonNode flags, String api) {
    for (JsonNode f : flags.path("apis")) {
      if (f.path("operation").asText().equals(api)) {
        return f.path("configured").asText();
      }
    }
    return null;
  }

  /** CPU time the processes used so far (user and system). */
  private static Duration cpu(List<Process> processes) {
    Duration total = Duration.ZERO;
    for (Process p : processes) {
      total = total.plus(p.info().totalCpuDuration().orElse(Duration.ZERO));
    }
    return total;
  }

  @Test
  @Order(1)
  void
      underLoad_everyCallIsServed_oneReplStaysOnOneInstance_andTheFleetsReadinessIsTheSumOfItsInstances()
          throws Exception {
    Load warm = new Load("warm", Duration.ofSeconds(5));
    warm.runToEnd(); // the JIT first: the figures below are warm
    assertThat(warm.failed.sum()).as("failures: " + warm.failures).isZero();
    Load load = new Load("a", Duration.ofSeconds(10));
    Duration proxyCpu = cpu(instances.stream().map(LocalFleet.Instance::process).toList());
    Duration haproxyCpu = cpu(List.of(haproxy));
    load.runToEnd();
    double proxySeconds =
        cpu(instances.stream().map(LocalFleet.Instance::process).toList())
                .minus(proxyCpu)
                .toMillis()
            / 1000.0;
    double haproxySeconds = cpu(List.of(haproxy)).minus(haproxyCpu).toMillis() / 1000.0;
    System.out.printf(
        "fleet of 3 behind HAProxy, %d clients: %d calls in %.1f s = %.0f calls/s (%d failed); by instance %s;"
            + " CPU: proxies %.1f s (%.0f calls per proxy CPU-second), HAProxy %.1f s%n",
        CLIENTS,
        load.ok.sum() + load.failed.sum(),
        load.seconds(),
        load.ok.sum() / load.seconds(),
        load.failed.sum(),
        load.byInstance,
        proxySeconds,
        load.ok.sum() / proxySeconds,
        haproxySeconds);

    assertThat(load.failed.sum()).as("failures: " + load.failures).isZero();
    assertThat(load.ok.sum()).isGreaterThan(100);
    assertThat(load.created.sum()).isPositive();
    assertThat(load.byInstance.keySet())
        .as("the hash spreads repls over every instance")
        .containsExactlyInAnyOrder("i1", "i2", "i3");
    assertThat(load.affinityBroken.sum()).as("a repl's read went where its create went").isZero();

    // The proxies compare off the client's path and flush every 0.5 s: the sum settles.
    Map<String, Long> sum = new TreeMap<>();
    Map<String, Long> createResults = new TreeMap<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              sum.clear();
              createResults.clear();
              for (LocalFleet.Instance i : instances) {
                JsonNode local = adminJson(i, "/admin/readiness?scope=local");
                for (String api : List.of("CreateRepl", "GetRepl")) {
                  sum.merge(api, compared(local, api), Long::sum);
                }
                createResults.merge("CreateRepl", results(local, "CreateRepl"), Long::sum);
              }
              assertThat(createResults.get("CreateRepl"))
                  .as("every acknowledged create has its result")
                  .isEqualTo(warm.created.sum() + load.created.sum());
              for (LocalFleet.Instance i : instances) {
                JsonNode fleet = adminJson(i, "/admin/readiness");
                assertThat(fleet.path("scope").asText()).isEqualTo("fleet");
                assertThat(fleet.path("liveInstances").asInt()).isEqualTo(3);
                assertThat(compared(fleet, "CreateRepl"))
                    .as("fleet CreateRepl on " + i.id())
                    .isEqualTo(sum.get("CreateRepl"));
                assertThat(compared(fleet, "GetRepl"))
                    .as("fleet GetRepl on " + i.id())
                    .isEqualTo(sum.get("GetRepl"));
              }
            });
    for (LocalFleet.Instance i : instances) {
      JsonNode alone = adminJson(instances.get(0), "/admin/readiness?instance=" + i.id());
      assertThat(compared(alone, "GetRepl"))
          .isEqualTo(compared(adminJson(i, "/admin/readiness?scope=local"), "GetRepl"));
    }
    System.out.printf(
        "fleet readiness: compared %s, the sum of the three instances' own windows%n", sum);
  }

  @Test
  @Order(2)
  void
      aFlipThroughOneInstance_isAppliedByAllThreeWithinTwoSeconds_andEachSaysWhichVersionItApplies()
          throws Exception {
    long v0 = adminJson(instances.get(0), "/admin/flags").path("version").asLong();
    for (Mode target : List.of(Mode.NEW_PRIMARY, Mode.SHADOW)) {
      long start = System.nanoTime();
      HttpResponse<String> put =
          adminCall(
              instances.get(0),
              "PUT",
              "/admin/flags/GetRepl",
              "{\"mode\": \"" + target + "\", \"who\": \"fleet-test\"}");
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      // One watcher per instance, so that a slow answer of one does not delay seeing the others;
      // a sighting is timed when its answer arrives: an upper bound of when the flip applied there.
      Map<String, Long> seenAfterMs = new ConcurrentHashMap<>();
      List<Thread> watchers = new ArrayList<>();
      for (LocalFleet.Instance i : instances) {
        watchers.add(
            Thread.ofPlatform()
                .name("flip-watch-" + i.id())
                .start(
                    () ->
                        await()
                            .atMost(Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMillis(20))
                            .until(
                                () -> {
                                  if (target
                                      .name()
                                      .equals(mode(adminJson(i, "/admin/flags"), "GetRepl"))) {
                                    seenAfterMs.put(
                                        i.id(), (System.nanoTime() - start) / 1_000_000);
                                    return true;
                                  }
                                  return false;
                                })));
      }
      for (Thread w : watchers) {
        w.join(15_000);
      }
      assertThat(seenAfterMs).as("every instance applies the flip").hasSize(3);
      System.out.printf(
          "flip GetRepl -> %s seen after (ms): %s%n", target, new TreeMap<>(seenAfterMs));
      assertThat(seenAfterMs.values()).allMatch(ms -> ms < 2000);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              JsonNode flags = adminJson(instances.get(2), "/admin/flags");
              assertThat(flags.path("fleet").findValuesAsText("instance"))
                  .containsExactly("i1", "i2", "i3");
              assertThat(flags.path("fleet").findValues("version"))
                  .extracting(JsonNode::asLong)
                  .containsOnly(v0 + 2);
              assertThat(flags.path("fleet").findValuesAsText("digest"))
                  .containsOnly(flags.path("digest").asText());
            });
  }

  /** The instances holding the fleet's repairer role, as each one's /admin/repairs says. */
  private List<LocalFleet.Instance> repairerHolders(List<LocalFleet.Instance> among) {
    List<LocalFleet.Instance> out = new ArrayList<>();
    for (LocalFleet.Instance i : among) {
      try {
        if (adminJson(i, "/admin/repairs").path("fleet").path("holdsRepairerRole").asBoolean()) {
          out.add(i);
        }
      } catch (UncheckedIOException e) {
        // not answering: not a holder that can repair
      }
    }
    return out;
  }

  @Test
  @Order(3)
  void
      theRepairersInstanceKilledMidLoad_losesNoAcknowledgedWrite_haproxyRoutesAroundIt_andTheRoleMoves()
          throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> repairerHolders(instances).size() == 1);
    LocalFleet.Instance victim = repairerHolders(instances).getFirst();
    killed = victim;
    List<LocalFleet.Instance> survivors = instances.stream().filter(i -> i != victim).toList();
    Load load = new Load("c", Duration.ofSeconds(9));
    load.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.sum() > 200);
    long killedAt = System.nanoTime();
    victim.process().destroyForcibly(); // SIGKILL: no drain, no last flush, no lease released
    victim.process().waitFor(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> "DOWN".equals(serverStates().get(victim.id())));
    long downAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
    long failedAtDown = load.failed.sum();
    long okAtDown = load.ok.sum();
    // The load goes on meanwhile: the role moves when the dead holder's lease runs out.
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              int holding = repairerHolders(survivors).size();
              assertThat(holding).as("repairer holders at once").isLessThanOrEqualTo(1);
              return holding == 1;
            });
    long roleMovedAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
    load.runToEnd();

    System.out.printf(
        "killed %s (the repairer) mid-load: HAProxy marked it DOWN after %d ms, the repairer role"
            + " moved to %s after %d ms; %d calls failed (not acknowledged) of %d; %d served after,"
            + " %d failed after%n",
        victim.id(),
        downAfterMs,
        repairerHolders(survivors).stream().map(LocalFleet.Instance::id).toList(),
        roleMovedAfterMs,
        load.failed.sum(),
        load.ok.sum() + load.failed.sum(),
        load.ok.sum() - okAtDown,
        load.failed.sum() - failedAtDown);
    assertThat(downAfterMs).isLessThan(3000);
    assertThat(roleMovedAfterMs)
        .as("within the lease and a renewal, plus the admin polls")
        .isLessThan(REPAIR_LEASE.plus(REPAIR_LEASE.dividedBy(3)).plusSeconds(2).toMillis());
    assertThat(load.failed.sum() - failedAtDown)
        .as("once it is DOWN, every call is served: " + load.failures)
        .isZero();
    assertThat(load.ok.sum() - okAtDown).isGreaterThan(50);
    assertThat(load.byInstanceAfterDown(killedAt)).doesNotContainKey(victim.id());

    assertEveryAcknowledgedWriteIsThere();
  }

  @Test
  @Order(4)
  void aDrainedInstance_stopsGettingCallsBeforeItStops_soNoCallFails() throws Exception {
    List<LocalFleet.Instance> survivors = instances.stream().filter(i -> i != killed).toList();
    LocalFleet.Instance drained = survivors.get(1);
    LocalFleet.Instance last = survivors.get(0);
    Load load = new Load("d", Duration.ofSeconds(8));
    load.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.sum() > 200);
    long termAt = System.nanoTime();
    drained.process().destroy(); // SIGTERM: /readyz fails for 2 s, then the proxy stops
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> "DOWN".equals(serverStates().get(drained.id())));
    long downAfterMs = (System.nanoTime() - termAt) / 1_000_000;
    assertThat(drained.process().waitFor(30, TimeUnit.SECONDS))
        .as("it exits after its drain")
        .isTrue();
    long exitedAfterMs = (System.nanoTime() - termAt) / 1_000_000;
    load.runToEnd();

    System.out.printf(
        "SIGTERM to %s under load: out of HAProxy's rotation after %d ms, exited after %d ms (exit %d); %d calls, %d failed%n",
        drained.id(),
        downAfterMs,
        exitedAfterMs,
        drained.process().exitValue(),
        load.ok.sum() + load.failed.sum(),
        load.failed.sum());
    assertThat(load.failed.sum()).as("a graceful drain fails no call: " + load.failures).isZero();
    assertThat(downAfterMs)
        .as("out of rotation before the proxy stops taking calls")
        .isLessThan(2000);
    assertEveryAcknowledgedWriteIsThere();

    // Its last counters were written at shutdown: the fleet lists it stopped, the survivor live.
    JsonNode fleet = adminJson(last, "/admin/readiness");
    Map<String, Boolean> live = new TreeMap<>();
    Set<String> stopped = new HashSet<>();
    for (JsonNode i : fleet.path("instances")) {
      live.merge(i.path("instance").asText(), i.path("live").asBoolean(), Boolean::logicalOr);
      if (!i.path("stoppedAt").isNull()) {
        stopped.add(i.path("instance").asText());
      }
    }
    assertThat(live).containsEntry(last.id(), true).containsEntry(drained.id(), false);
    assertThat(stopped)
        .as("SIGTERM closes cleanly, SIGKILL cannot")
        .contains(drained.id())
        .doesNotContain(killed.id());
    await().atMost(Duration.ofSeconds(10)).until(() -> repairerHolders(List.of(last)).size() == 1);
  }

  /**
   * Every write a client had a 200 for is in the authoritative (legacy) store and readable through
   * HAProxy.
   */
  private void assertEveryAcknowledgedWriteIsThere() {
    assertThat(acknowledged).isNotEmpty();
    CallContext ctx = new CallContext("fleet-check", Instant.now());
    List<String> missing = new ArrayList<>();
    try (ControlPlane legacy = LegacyRedisControlPlane.create(redis.uri())) {
      for (String id : acknowledged) {
        try {
          legacy.getRepl(new GetReplRequest(id), ctx);
        } catch (RuntimeException e) {
          missing.add(id + ": " + e.getMessage());
        }
      }
    }
    assertThat(missing).as("acknowledged writes missing from the authoritative store").isEmpty();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    int sample = 0;
    for (String id : acknowledged) {
      if (sample++ % 10 != 0) {
        continue;
      }
      HttpResponse<String> r = send(client, call("GetRepl", "{\"replId\":\"" + id + "\"}", id));
      assertThat(r.statusCode()).as(id + ": " + r.body()).isEqualTo(200);
    }
    client.close();
    System.out.printf(
        "%d acknowledged writes, all in the authoritative store%n", acknowledged.size());
  }

  private HttpRequest call(String operation, String body, String routingKey) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + haproxyPort + "/v1/" + operation))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("X-Routing-Key", routingKey)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /**
   * {@link #CLIENTS} threads, each creating repls and reading each back, through HAProxy with the
   * repl id as the routing key, for a while. A 200 is an acknowledgement; anything else (or no
   * answer) is a failure and is not retried.
   */
  private final class Load {
    final String prefix;
    final Duration length;
    final LongAdder ok = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder created = new LongAdder();
    final LongAdder affinityBroken = new LongAdder();
    final Map<String, LongAdder> byInstance = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<long[]> servedAt = new ConcurrentLinkedQueue<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();
    long startedNanos;
    long endedNanos;

    Load(String prefix, Duration length) {
      this.prefix = prefix;
      this.length = length;
    }

    void start() {
      startedNanos = System.nanoTime();
      for (int t = 0; t < CLIENTS; t++) {
        int client = t;
        threads.add(Thread.ofPlatform().name("fleet-client-" + t).start(() -> run(client)));
      }
    }

    void runToEnd() throws InterruptedException {
      if (threads.isEmpty()) {
        start();
      }
      long left = startedNanos + length.toNanos() - System.nanoTime();
      if (left > 0) {
        await().pollDelay(Duration.ofNanos(left)).atMost(length.plusSeconds(1)).until(() -> true);
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join(30_000);
        assertThat(t.isAlive()).as("client thread stuck").isFalse();
      }
      endedNanos = System.nanoTime();
    }

    double seconds() {
      return (endedNanos - startedNanos) / 1e9;
    }

    Map<String, Long> byInstanceAfterDown(long sinceNanos) {
      // Calls answered from two check intervals after the kill on: HAProxy has had time to see it.
      long from = sinceNanos + CHECK_INTER.multipliedBy(FALL + 2).toNanos();
      Map<String, Long> out = new TreeMap<>();
      for (long[] s : servedAt) {
        if (s[0] >= from) {
          out.merge("i" + s[1], 1L, Long::sum);
        }
      }
      return out;
    }

    private void run(int client) {
      try (HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(2))
              .build()) {
        for (int n = 0; !stop.get(); n++) {
          String id = "fleet-" + prefix + "-" + client + "-" + n;
          String create =
              "{\"replId\":\""
                  + id
                  + "\",\"ownerId\":\"o-"
                  + client
                  + "\",\"slug\":\""
                  + id
                  + "\",\"region\":\"region-1\"}";
          String servedCreate = attempt(http, call("CreateRepl", create, id));
          if (servedCreate == null) {
            continue;
          }
          acknowledged.add(id);
          created.increment();
          String servedRead = attempt(http, call("GetRepl", "{\"replId\":\"" + id + "\"}", id));
          if (servedRead != null && !servedRead.equals(servedCreate)) {
            affinityBroken.increment();
          }
        }
      }
    }

    /** The instance that answered 200, or null (counted as a failure). */
    private String attempt(HttpClient http, HttpRequest r) {
      try {
        HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() == 200) {
          String by = resp.headers().firstValue("X-Served-By").orElse("?");
          ok.increment();
          byInstance.computeIfAbsent(by, k -> new LongAdder()).increment();
          if (by.startsWith("i")) {
            servedAt.add(new long[] {System.nanoTime(), Long.parseLong(by.substring(1))});
          }
          return by;
        }
        fail(r, resp.statusCode() + " " + resp.body());
      } catch (IOException e) {
        fail(r, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop.set(true);
      }
      return null;
    }

    private void fail(HttpRequest r, String what) {
      failed.increment();
      if (failures.size() < 50) {
        failures.add(r.uri().getPath() + ": " + what);
      }
    }
  }
}
