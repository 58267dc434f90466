package io.strangler.dispatch.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.dispatch.ApiRegistry;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Backend;
import io.strangler.dispatch.BadRequest;
import io.strangler.dispatch.DispatchServer;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import io.strangler.flags.FakeFlags;
import io.strangler.flags.Mode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * What the proxy costs, measured in one run on the same servers and client concurrency:
 *
 * <ol type="a">
 *   <li>direct in-process calls to the legacy backend alone;
 *   <li>direct in-process calls to both backends, one after the other (the work the proxy cannot
 *       avoid in a dual mode);
 *   <li>the proxy in {@code LEGACY_ONLY}, over HTTP;
 *   <li>the proxy in {@code SHADOW}, over HTTP (its time includes draining the shadow calls left
 *       when the clients stop, so a shadow backlog cannot flatter it);
 *   <li>the floor: a bare HTTP front over the legacy backend ({@link BareFront}) with the proxy's
 *       Netty settings and JSON parse and nothing else, what an HTTP proxy cannot beat here. It
 *       runs just before (c);
 *   <li>the floor of a dual mode: the same front calling the new backend too, after answering from
 *       legacy, on the same thread, comparing nothing. It runs just before (d).
 *   <li>the same with the second call handed to a pool of its own, as the proxy keeps its shadow
 *       calls off the threads of authoritative ones: g/f is that hand-off's cost.
 * </ol>
 *
 * Direct calls parse and check the JSON body as the proxy does, and write each answer as JSON. It
 * prints a table, then the ratios c/a, d/b, c/e, d/f, d/g and g/f on its last lines. Generic: any
 * registered API and pair of backends, with a {@link Workload} that says which calls to make.
 */
public final class ProxyBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One call: an operation of the registry and its JSON body. */
  public record BenchCall(String operation, byte[] body) {}

  /** The calls clients make; called concurrently, one sequence per client. */
  @FunctionalInterface
  public interface Workload {
    BenchCall next(int client, long sequence);
  }

  /**
   * How hard and how long to measure each phase, which phases to run ({@code "abcdefg"}; a ratio is
   * printed when both its phases ran) and in how many rounds: with more than one, the phases take
   * turns (a, b, e, c, f, d, a, b, ...), each round with its own warm-up and measurement, and each
   * phase's figures are those of all its rounds together, so that a load that comes and goes on a
   * shared machine falls on every phase alike rather than on one.
   */
  public record Settings(
      int clients, Duration warmup, Duration measure, String phases, int rounds) {
    public Settings {
      Objects.requireNonNull(phases, "phases");
      if (clients < 1) {
        throw new IllegalArgumentException("clients must be at least 1, got " + clients);
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
      }
      Objects.requireNonNull(warmup, "warmup");
      Objects.requireNonNull(measure, "measure");
    }

    public Settings(int clients, Duration warmup, Duration measure, String phases) {
      this(clients, warmup, measure, phases, 1);
    }

    /**
     * From system properties {@code bench.clients}, {@code bench.warmup}, {@code bench.measure},
     * {@code bench.phases}, {@code bench.rounds}.
     */
    public static Settings fromSystemProperties() {
      return new Settings(
          Integer.getInteger("bench.clients", 16),
          Duration.parse(System.getProperty("bench.warmup", "PT5S")),
          Duration.parse(System.getProperty("bench.measure", "PT10S")),
          System.getProperty("bench.phases", "abcdefg"),
          Integer.getInteger("bench.rounds", 1));
    }
  }

  /**
   * The figures of one phase. {@code cpuMicrosPerCall}: the CPU time of this whole process (the
   * clients included, not the backends' servers) over the measurement, per call. {@code
   * allocatedBytesPerCall}: the heap this process allocated per call, which other jobs on a shared
   * machine do not change. {@code switchesPerCall}: the context switches of this process's threads
   * over the measurement per call (Linux; NaN elsewhere), which count the hand-offs between
   * threads.
   */
  public record Result(
      String phase,
      long calls,
      long failed,
      double perSecond,
      long p50Nanos,
      long p99Nanos,
      double cpuMicrosPerCall,
      double allocatedBytesPerCall,
      double switchesPerCall) {}

  private final ApiRegistry apis;
  private final Backend legacy;
  private final Backend newer;
  private final Workload workload;
  private final Settings settings;
  private final PrintStream out;
  private OutcomeSink sink = OutcomeSink.noop();
  private java.util.function.Supplier<List<String>> report = List::of;

  public ProxyBench(
      ApiRegistry apis,
      Backend legacy,
      Backend newer,
      Workload workload,
      Settings settings,
      PrintStream out) {
    this.apis = apis;
    this.legacy = legacy;
    this.newer = newer;
    this.workload = workload;
    this.settings = settings;
    this.out = out;
  }

  /**
   * The proxy's outcome sink in (c) and (d) (default: none), and lines about it printed after the
   * table, before the ratios (for example what the diff reporter compared and dropped).
   */
  public ProxyBench sink(OutcomeSink sink, java.util.function.Supplier<List<String>> report) {
    this.sink = sink;
    this.report = report;
    return this;
  }

  /** Runs the phases and prints the table and the ratios. */
  public List<Result> run() throws Exception {
    out.printf(
        Locale.ROOT,
        "proxy benchmark: %d clients, %d round(s) of warm-up %s and measure %s per phase, %d"
            + " processors, Java %s%n",
        settings.clients(),
        settings.rounds(),
        settings.warmup(),
        settings.measure(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.version());
    FakeFlags flags = new FakeFlags(Mode.LEGACY_ONLY);
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .adminPort(0)
            .adminToken("benchmark-admin-token")
            // The clients outrun the shadow backend; the budget holds the whole backlog, so that
            // (d) does all its shadow work (timed until drained) rather than drop some of it.
            .shadowBudget(Integer.getInteger("bench.shadowBudget", 2_000_000))
            .shadowTimeout(Duration.ofMinutes(5))
            // As many backend threads as clients: the direct phases run that many calls at once.
            .callThreads(Integer.getInteger("bench.callThreads", settings.clients()))
            .shadowThreads(Integer.getInteger("bench.shadowThreads", settings.clients()))
            .build();
    String phases = settings.phases();
    java.util.Map<Character, Totals> totals = new java.util.TreeMap<>();
    try (BareFront floor = phases.contains("e") ? new BareFront(apis, legacy, null, config) : null;
        BareFront dualFloor =
            phases.contains("f") ? new BareFront(apis, legacy, newer, config) : null;
        BareFront pooledFloor =
            phases.contains("g") ? new BareFront(apis, legacy, newer, true, config) : null;
        DispatchServer server =
            DispatchServer.builder(config)
                .apis(apis)
                .flags(flags)
                .legacy(legacy)
                .newer(newer)
                .sink(sink)
                .start()) {
      int port = server.port();
      // The order in every round: the floor just before the proxy in the same mode.
      List<Phase> order = new ArrayList<>();
      order.add(new Phase('a', "(a) direct, legacy only", client -> direct(client, false)));
      order.add(new Phase('b', "(b) direct, both backends", client -> direct(client, true)));
      if (floor != null) {
        int floorPort = floor.port();
        order.add(new Phase('e', "(e) bare HTTP front, legacy", client -> overHttp(floorPort)));
      }
      order.add(new Phase('c', "(c) proxy, LEGACY_ONLY", client -> overHttp(port)));
      if (dualFloor != null) {
        int dualPort = dualFloor.port();
        order.add(new Phase('f', "(f) bare HTTP front, both", client -> overHttp(dualPort)));
      }
      if (pooledFloor != null) {
        int pooledPort = pooledFloor.port();
        order.add(
            new Phase(
                'g',
                "(g) bare front, both, 2 pools",
                client -> overHttp(pooledPort),
                pooledFloor::secondCallsPending));
      }
      order.add(
          new Phase(
              'd',
              "(d) proxy, SHADOW",
              client -> overHttp(port),
              () -> server.stats().shadowCallsPending()));
      order.removeIf(ph -> phases.indexOf(ph.letter) < 0);
      long droppedBefore = server.stats().shadowDropped();
      for (int round = 1; round <= settings.rounds(); round++) {
        for (Phase ph : order) {
          flags.setDefault(ph.letter == 'd' ? Mode.SHADOW : Mode.LEGACY_ONLY);
          String name = settings.rounds() == 1 ? ph.name : ph.name + " round " + round;
          totals
              .computeIfAbsent(ph.letter, l -> new Totals(ph.name))
              .add(phase(name, ph.callers, ph.backlog));
        }
      }
      long dropped = server.stats().shadowDropped() - droppedBefore;
      if (dropped > 0) {
        out.printf(Locale.ROOT, "note: %d shadow calls were dropped in (d)%n", dropped);
      }
      if (pooledFloor != null && pooledFloor.secondCallsSkipped() > 0) {
        out.printf(
            Locale.ROOT,
            "note: %d second calls were skipped in (g)%n",
            pooledFloor.secondCallsSkipped());
      }
    }
    java.util.Map<Character, Result> results = new java.util.TreeMap<>();
    totals.forEach((letter, t) -> results.put(letter, t.result()));

    out.printf(
        Locale.ROOT,
        "%-28s %10s %8s %12s %9s %9s %12s %8s %9s%n",
        "phase",
        "calls",
        "failed",
        "calls/s",
        "p50 ms",
        "p99 ms",
        "cpu us/call",
        "B/call",
        "sw/call");
    for (Result r : results.values()) {
      out.printf(
          Locale.ROOT,
          "%-28s %10d %8d %12.0f %9.3f %9.3f %12.1f %8.0f %9.1f%n",
          r.phase(),
          r.calls(),
          r.failed(),
          r.perSecond(),
          r.p50Nanos() / 1e6,
          r.p99Nanos() / 1e6,
          r.cpuMicrosPerCall(),
          r.allocatedBytesPerCall(),
          r.switchesPerCall());
    }
    report.get().forEach(out::println);
    for (String pair : List.of("ca", "db", "ce", "df", "dg", "gf")) {
      Result proxy = results.get(pair.charAt(0));
      Result base = results.get(pair.charAt(1));
      if (proxy != null && base != null) {
        out.println(ratio(pair.charAt(0) + "/" + pair.charAt(1), proxy, base));
      }
    }
    return List.copyOf(results.values());
  }

  /**
   * One phase of every round; {@code backlog} (or null) counts the work the phase's server still
   * holds when its clients stop, which the phase is timed until it has done.
   */
  private record Phase(char letter, String name, CallerFactory callers, IntSupplier backlog) {
    Phase(char letter, String name, CallerFactory callers) {
      this(letter, name, callers, null);
    }
  }

  /** A phase's measurements over its rounds. */
  private static final class Totals {
    final String name;
    final List<long[]> latencies = new ArrayList<>();
    long failed;
    long elapsedNanos;
    long cpuNanos;
    long allocated;
    long switches;

    Totals(String name) {
      this.name = name;
    }

    void add(Measured m) {
      latencies.add(m.latencies);
      failed += m.failed;
      elapsedNanos += m.elapsedNanos;
      cpuNanos += m.cpuNanos;
      allocated += m.allocated;
      switches += m.switches;
    }

    Result result() {
      long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      return new Result(
          name,
          all.length,
          failed,
          all.length / (elapsedNanos / 1e9),
          all.length == 0 ? 0 : all[(int) (all.length * 0.50)],
          all.length == 0
              ? 0
              : all[Math.min(all.length - 1, (int) Math.ceil(all.length * 0.99) - 1)],
          all.length == 0 ? 0 : cpuNanos / 1e3 / all.length,
          all.length == 0 ? 0 : (double) allocated / all.length,
          all.length == 0 || switches < 0 ? Double.NaN : (double) switches / all.length);
    }
  }

  /** One measurement: every call's latency, the failures, the time it took. */
  private record Measured(
      long[] latencies,
      long failed,
      long elapsedNanos,
      long cpuNanos,
      long allocated,
      long switches) {}

  private static String ratio(String name, Result proxy, Result direct) {
    return String.format(
        Locale.ROOT,
        "%s throughput %.2f, p50 %+.3f ms, p99 %+.3f ms, cpu %+.1f us/call, %+.0f B/call, %+.1f"
            + " switches/call",
        name,
        proxy.perSecond() / direct.perSecond(),
        (proxy.p50Nanos() - direct.p50Nanos()) / 1e6,
        (proxy.p99Nanos() - direct.p99Nanos()) / 1e6,
        proxy.cpuMicrosPerCall() - direct.cpuMicrosPerCall(),
        proxy.allocatedBytesPerCall() - direct.allocatedBytesPerCall(),
        proxy.switchesPerCall() - direct.switchesPerCall());
  }

  /** One client's loop body: makes one call, answers whether it failed. */
  private interface Caller extends AutoCloseable {
    boolean call(BenchCall c) throws Exception;

    @Override
    default void close() throws IOException {}
  }

  @FunctionalInterface
  private interface CallerFactory {
    Caller open(int client) throws IOException;
  }

  private Caller direct(int client, boolean both) {
    AtomicLong ids = new AtomicLong();
    return c -> {
      ApiSpec spec = apis.find(c.operation()).orElseThrow();
      Prepared p;
      try {
        p = spec.prepare(JSON.readTree(c.body()));
      } catch (BadRequest e) {
        return true;
      }
      Stamp stamp = new Stamp("bench-" + client + "-" + ids.incrementAndGet(), Instant.now());
      boolean failed = failed(legacy.call(c.operation(), p, stamp));
      if (both) {
        failed |= failed(newer.call(c.operation(), p, stamp));
      }
      return failed;
    };
  }

  /** A server error; an answer is written as JSON, as a client would get it. */
  private static boolean failed(Reply reply) {
    return switch (reply) {
      case Reply.Ok ok -> ok.bytes().length == 0;
      case Reply.Failed f -> f.httpStatus() >= 500;
    };
  }

  private static Caller overHttp(int port) throws IOException {
    RawHttpClient http = new RawHttpClient("127.0.0.1", port);
    return new Caller() {
      @Override
      public boolean call(BenchCall c) throws IOException {
        return http.post("/v1/" + c.operation(), c.body()) >= 500;
      }

      @Override
      public void close() throws IOException {
        http.close();
      }
    };
  }

  private Measured phase(String name, CallerFactory callers, IntSupplier backlogOf)
      throws Exception {
    int n = settings.clients();
    long[][] latencies = new long[n][];
    int[] counts = new int[n];
    long[] failures = new long[n];
    AtomicLong sequence = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch go = new CountDownLatch(1);
    long[] window = new long[2]; // measure start, measure end (nanoTime)
    List<Thread> threads = new ArrayList<>();
    Exception[] failure = new Exception[1];
    for (int t = 0; t < n; t++) {
      int client = t;
      threads.add(
          Thread.ofPlatform()
              .name("bench-client-" + t)
              .start(
                  () -> {
                    long[] lat = new long[1 << 16];
                    int count = 0;
                    long failed = 0;
                    try (Caller caller = callers.open(client)) {
                      ready.countDown();
                      go.await();
                      long measureFrom = window[0];
                      long end = window[1];
                      while (true) {
                        long start = System.nanoTime();
                        if (start >= end) {
                          break;
                        }
                        BenchCall c = workload.next(client, sequence.getAndIncrement());
                        boolean bad = caller.call(c);
                        long took = System.nanoTime() - start;
                        if (start >= measureFrom) {
                          if (count == lat.length) {
                            lat = Arrays.copyOf(lat, count * 2);
                          }
                          lat[count++] = took;
                          if (bad) {
                            failed++;
                          }
                        }
                      }
                    } catch (Exception e) {
                      synchronized (failure) {
                        failure[0] = e;
                      }
                      ready.countDown();
                    }
                    latencies[client] = Arrays.copyOf(lat, count);
                    counts[client] = count;
                    failures[client] = failed;
                  }));
    }
    ready.await();
    long now = System.nanoTime();
    window[0] = now + settings.warmup().toNanos();
    window[1] = window[0] + settings.measure().toNanos();
    go.countDown();
    while (System.nanoTime() < window[0]) {
      Thread.sleep(1); // waits out the warm-up, off every measured path
    }
    long cpuFrom = processCpuNanos();
    long allocatedFrom = allocatedBytes();
    java.util.Map<String, Long> switchesFrom = contextSwitches();
    while (System.nanoTime() < window[1]) {
      Thread.sleep(1);
    }
    // Read as the clients stop (they finish their last call), so without any drain below.
    long switches = switchesSince(switchesFrom);
    for (Thread t : threads) {
      t.join();
    }
    if (failure[0] != null) {
      throw new IllegalStateException("phase " + name + " failed", failure[0]);
    }
    long elapsed = window[1] - window[0];
    if (backlogOf != null) {
      long drainStart = System.nanoTime();
      int backlog = backlogOf.getAsInt();
      while (backlogOf.getAsInt() > 0) {
        Thread.sleep(1); // polling a gauge between phases, off every measured path
      }
      long drain = System.nanoTime() - drainStart;
      elapsed += drain;
      out.printf(
          Locale.ROOT,
          "  %s: %d shadow calls were still pending when the clients stopped, drained in %.0f ms%n",
          name,
          backlog,
          drain / 1e6);
    }
    long cpu = processCpuNanos() - cpuFrom;
    long allocated = allocatedBytes() - allocatedFrom;
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (long[] l : latencies) {
      System.arraycopy(l, 0, all, at, l.length);
      at += l.length;
    }
    Arrays.sort(all);
    long failed = Arrays.stream(failures).sum();
    out.printf(
        Locale.ROOT,
        "  %s: %d calls, %.0f/s, p50 %.3f ms, p99 %.3f ms, cpu %.1f us/call, %.0f B/call, %.1f"
            + " switches/call%n",
        name,
        total,
        total / (elapsed / 1e9),
        all.length == 0 ? 0 : all[(int) (all.length * 0.50)] / 1e6,
        all.length == 0
            ? 0
            : all[Math.min(all.length - 1, (int) Math.ceil(all.length * 0.99) - 1)] / 1e6,
        total == 0 ? 0 : cpu / 1e3 / total,
        total == 0 ? 0 : (double) allocated / total,
        total == 0 || switches < 0 ? Double.NaN : (double) switches / total);
    return new Measured(all, failed, elapsed, cpu, allocated, switches);
  }

  /** Voluntary and involuntary context switches by thread id; empty where /proc is not there. */
  private static java.util.Map<String, Long> contextSwitches() {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks == null) {
      return out;
    }
    for (java.io.File task : tasks) {
      try {
        long n = 0;
        for (String line : java.nio.file.Files.readAllLines(task.toPath().resolve("status"))) {
          if (line.startsWith("voluntary_ctxt_switches:")
              || line.startsWith("nonvoluntary_ctxt_switches:")) {
            n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
          }
        }
        out.put(task.getName(), n);
      } catch (IOException | RuntimeException e) {
        // the thread ended meanwhile
      }
    }
    return out;
  }

  /** Switches since {@code from}, of the threads alive now; -1 without /proc. */
  private static long switchesSince(java.util.Map<String, Long> from) {
    if (from.isEmpty()) {
      return -1;
    }
    long sum = 0;
    for (java.util.Map.Entry<String, Long> e : contextSwitches().entrySet()) {
      sum += e.getValue() - from.getOrDefault(e.getKey(), 0L);
    }
    return sum;
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean)
            java.lang.management.ManagementFactory.getThreadMXBean())
        .getTotalThreadAllocatedBytes();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
