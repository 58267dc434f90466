package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlPlane;
import io.strangler.api.Operation;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.flags.FlagsFile;
import io.strangler.flags.Mode;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.Servers;
import io.strangler.traffic.replay.ProxyAdmin;
import io.strangler.traffic.simulate.World;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/affinity}: consistency of the two stores as three proxies behind HAProxy see it,
 * with round-robin balancing against balancing by {@code X-Routing-Key} (consistent hashing), under
 * the simulator at concurrency 16. Each phase gets fresh stores (the simulator creates its repls
 * and machines), its own three {@code serve} processes in {@code SHADOW} with shared flags, and the
 * same simulated traffic (same seed), which sends each call's routing key in both phases: only
 * HAProxy's {@code balance} differs. The phases take turns for {@code bench.rounds} rounds. The
 * consistency is the diff reporters' own, summed over the three instances (docs/metrics.md). Not a
 * test: run by the bench/affinity script.
 */
public final class AffinityBench {
  private static final Pattern CALLS =
      Pattern.compile(
          "^strangler_diff_calls_total\\{api=\"([^\"]+)\",mode=\"[^\"]*\",outcome=\"([^\"]+)\"\\}"
              + " ([0-9.eE+-]+)$");
  private static final Set<String> CONSISTENT = Set.of("match", "race", "both_error_same");
  private static final Set<String> NOT_COMPARED = Set.of("shadow_timeout", "shadow_dropped");

  private AffinityBench() {}

  /** Compared and consistent calls per API (and "overall"). */
  private static final class Tally {
    final Map<String, long[]> byApi = new TreeMap<>();

    void add(String api, String outcome, long n) {
      if (NOT_COMPARED.contains(outcome) || n == 0) {
        return;
      }
      for (String key : List.of(api, "overall")) {
        long[] t = byApi.computeIfAbsent(key, k -> new long[2]);
        t[0] += n;
        t[1] += CONSISTENT.contains(outcome) ? n : 0;
      }
    }

    void addAll(Tally other) {
      other.byApi.forEach(
          (api, t) -> {
            long[] mine = byApi.computeIfAbsent(api, k -> new long[2]);
            mine[0] += t[0];
            mine[1] += t[1];
          });
    }

    String cell(String api) {
      long[] t = byApi.get(api);
      if (t == null || t[0] == 0) {
        return String.format(Locale.ROOT, "%9s %12s", "0", "-");
      }
      return String.format(Locale.ROOT, "%9d %11.2f%%", t[0], 100.0 * t[1] / t[0]);
    }
  }

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 1);
    String rate = System.getProperty("bench.rate", "200/s");
    String duration = System.getProperty("bench.duration", "30s");
    int concurrency = Integer.getInteger("bench.concurrency", 16);
    long seed = Long.getLong("bench.seed", 5);
    int instances = Integer.getInteger("bench.instances", 3);
    int redisDb = Integer.getInteger("bench.redisDb", 14);
    LocalFleet.haproxyBinary(); // fail first if it is missing
    RedisEndpoint redis = Servers.redis();
    PostgresEndpoint server = Servers.postgres();
    Path dir = Files.createTempDirectory("strangler-affinity-");
    Path flags = dir.resolve("flags.json");
    Files.write(
        flags,
        FlagsFile.allIn(Mode.SHADOW, Operation.ALL.stream().map(Operation::name).toList())
            .toJson());
    Map<String, String> phases = new LinkedHashMap<>();
    phases.put("round robin", "roundrobin");
    phases.put("affinity", "hdr(X-Routing-Key)");
    System.out.printf(
        Locale.ROOT,
        "affinity benchmark: %d proxies behind HAProxy, simulate --rate %s --duration %s"
            + " --concurrency %d --seed %d, %d round(s), %d processors, load average %.1f%n",
        instances,
        rate,
        duration,
        concurrency,
        seed,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    Map<String, Tally> totals = new LinkedHashMap<>();
    int n = 0;
    for (int round = 1; round <= rounds; round++) {
      for (Map.Entry<String, String> phase : phases.entrySet()) {
        String db = "strangler_bench_affinity_" + ProcessHandle.current().pid() + "_" + n++;
        Path phaseDir = Files.createDirectories(dir.resolve(db));
        Tally t =
            phase(
                phaseDir,
                redis.uri(redisDb),
                redis,
                redisDb,
                server,
                db,
                flags,
                instances,
                phase.getValue(),
                new String[] {
                  "--rate",
                  rate,
                  "--duration",
                  duration,
                  "--concurrency",
                  Integer.toString(concurrency),
                  "--seed",
                  Long.toString(seed)
                });
        System.out.printf(
            Locale.ROOT,
            "  %s round %d: overall %s%n",
            phase.getKey(),
            round,
            t.cell("overall").strip());
        totals.computeIfAbsent(phase.getKey(), k -> new Tally()).addAll(t);
      }
    }
    Set<String> apis = new TreeSet<>();
    totals.values().forEach(t -> apis.addAll(t.byApi.keySet()));
    apis.remove("overall");
    List<String> rows = new ArrayList<>(apis);
    rows.add("overall");
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-20s", "API"));
    for (String phase : totals.keySet()) {
      header.append(String.format(Locale.ROOT, " | %-22s", phase + ": compared, consistent"));
    }
    System.out.println(header);
    for (String api : rows) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-20s", api));
      for (Tally t : totals.values()) {
        line.append(" | ").append(t.cell(api));
      }
      System.out.println(line);
    }
  }

  private static Tally phase(
      Path dir,
      String redisUri,
      RedisEndpoint redis,
      int redisDb,
      PostgresEndpoint server,
      String db,
      Path flags,
      int instances,
      String balance,
      String[] simulate)
      throws Exception {
    try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis(redis.host(), redis.port())) {
      j.select(redisDb);
      j.flushDB();
    }
    PostgresEndpoint pg = server.createDatabase(db);
    try {
      try (ControlPlane legacy = LegacyRedisControlPlane.create(redisUri);
          ControlPlane controlPlane =
              new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password())) {
        legacy.applyTopology(World.topology());
        controlPlane.applyTopology(World.topology());
      }
      try (LocalFleet fleet =
          LocalFleet.start(
              dir,
              instances,
              redisUri,
              LocalFleet.postgresUrl(pg.jdbcUrl(), pg.user(), pg.password()),
              flags,
              balance)) {
        Tally before = tally(fleet);
        Path report = dir.resolve("simulate.json");
        List<String> args =
            new ArrayList<>(List.of("simulate", "--target", fleet.front().toString()));
        args.addAll(List.of(simulate));
        args.addAll(List.of("--report", report.toString()));
        int exit = Main.run(args.toArray(String[]::new));
        JsonNode sim = Scratch.readJson(report);
        for (LocalFleet.Instance i : fleet.instances()) {
          try (ProxyAdmin admin = new ProxyAdmin(i.admin(), LocalFleet.TOKEN)) {
            if (!admin.awaitSettled(Duration.ofSeconds(60))) {
              System.out.printf(Locale.ROOT, "  note: %s did not settle within 60 s%n", i.id());
            }
          }
        }
        Tally after = tally(fleet);
        Tally delta = new Tally();
        after.byApi.forEach(
            (api, t) -> {
              long[] b = before.byApi.getOrDefault(api, new long[2]);
              delta.byApi.put(api, new long[] {t[0] - b[0], t[1] - b[1]});
            });
        System.out.printf(
            Locale.ROOT,
            "  %s: simulate exit %d, %d calls sent, %.1f calls/s%n",
            balance,
            exit,
            sim.at("/schedule/sent").asLong(),
            sim.at("/schedule/achievedRate").asDouble());
        return delta;
      }
    } finally {
      server.dropDatabase(db);
    }
  }

  /** Every instance's diff reporter counts, summed. */
  private static Tally tally(LocalFleet fleet) {
    Tally t = new Tally();
    for (LocalFleet.Instance i : fleet.instances()) {
      String metrics = fleet.admin(i, "metrics");
      if (metrics == null) {
        throw new IllegalStateException(i.id() + " did not answer GET /metrics");
      }
      for (String line : metrics.split("\n")) {
        Matcher m = CALLS.matcher(line.strip());
        if (m.matches()) {
          t.add(m.group(1), m.group(2), (long) Double.parseDouble(m.group(3)));
        }
      }
    }
    return t;
  }
}
