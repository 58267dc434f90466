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

/**
 * What the proxy costs, measured in one run on the same servers and client concurrency:
 *
 * <ol type="a">
 *   <li>direct in-process calls to the legacy backend alone;
 *   <li>direct in-process calls to both backends, one after the other (the work the proxy cannot
 *       avoid in a dual mode);
 *   <li>the proxy in {@code LEGACY_ONLY}, over HTTP;
 *   <li>the proxy in {@code SHADOW}, over HTTP (its time includes draining the shadow calls left
 *       when the clients stop, so a shadow backlog cannot flatter it).
 * </ol>
 *
 * Direct calls parse and check the JSON body as the proxy does. It prints a table, then the ratios
 * c/a and d/b on its last two lines. Generic: any registered API and pair of backends, with a
 * {@link Workload} that says which calls to make.
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
   * How hard and how long to measure each phase, and which phases to run ({@code "abcd"}; the
   * ratios need all four).
   */
  public record Settings(int clients, Duration warmup, Duration measure, String phases) {
    public Settings {
      Objects.requireNonNull(phases, "phases");
      if (clients < 1) {
        throw new IllegalArgumentException("clients must be at least 1, got " + clients);
      }
      Objects.requireNonNull(warmup, "warmup");
      Objects.requireNonNull(measure, "measure");
    }

    /**
     * From system properties {@code bench.clients}, {@code bench.warmup}, {@code bench.measure}.
     */
    public static Settings fromSystemProperties() {
      return new Settings(
          Integer.getInteger("bench.clients", 16),
          Duration.parse(System.getProperty("bench.warmup", "PT5S")),
          Duration.parse(System.getProperty("bench.measure", "PT10S")),
          System.getProperty("bench.phases", "abcd"));
    }
  }

  /** The figures of one phase. */
  public record Result(
      String phase, long calls, long failed, double perSecond, long p50Nanos, long p99Nanos) {}

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

  /** Runs the four phases and prints the table and the ratios. */
  public List<Result> run() throws Exception {
    out.printf(
        Locale.ROOT,
        "proxy benchmark: %d clients, warm-up %s, measure %s per phase, %d processors, Java %s%n",
        settings.clients(),
        settings.warmup(),
        settings.measure(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.version());
    List<Result> results = new ArrayList<>();
    String phases = settings.phases();
    if (phases.contains("a")) {
      results.add(phase("(a) direct, legacy only", client -> direct(client, false), null));
    }
    if (phases.contains("b")) {
      results.add(phase("(b) direct, both backends", client -> direct(client, true), null));
    }

    FakeFlags flags = new FakeFlags(Mode.LEGACY_ONLY);
    ProxyConfig config =
        ProxyConfig.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .adminPort(0)
            .adminToken("benchmark-admin-token")
            // The clients outrun the shadow backend; the budget holds the whole backlog, so that
            // (d)
            // does all its shadow work (timed until drained) rather than drop some of it.
            .shadowBudget(Integer.getInteger("bench.shadowBudget", 2_000_000))
            .shadowTimeout(Duration.ofMinutes(5))
            // As many backend threads as clients: the direct phases run that many calls at once.
            .callThreads(Integer.getInteger("bench.callThreads", settings.clients()))
            .shadowThreads(Integer.getInteger("bench.shadowThreads", settings.clients()))
            .build();
    DispatchServer server =
        DispatchServer.builder(config)
            .apis(apis)
            .flags(flags)
            .legacy(legacy)
            .newer(newer)
            .sink(sink)
            .start();
    try {
      int port = server.port();
      if (phases.contains("c")) {
        results.add(phase("(c) proxy, LEGACY_ONLY", client -> overHttp(port), null));
      }
      flags.setDefault(Mode.SHADOW);
      long droppedBefore = server.stats().shadowDropped();
      if (phases.contains("d")) {
        results.add(phase("(d) proxy, SHADOW", client -> overHttp(port), server));
      }
      long dropped = server.stats().shadowDropped() - droppedBefore;
      if (dropped > 0) {
        out.printf(Locale.ROOT, "note: %d shadow calls were dropped in (d)%n", dropped);
      }
    } finally {
      server.close();
    }

    out.printf(
        Locale.ROOT,
        "%-28s %10s %8s %12s %9s %9s%n",
        "phase",
        "calls",
        "failed",
        "calls/s",
        "p50 ms",
        "p99 ms");
    for (Result r : results) {
      out.printf(
          Locale.ROOT,
          "%-28s %10d %8d %12.0f %9.3f %9.3f%n",
          r.phase(),
          r.calls(),
          r.failed(),
          r.perSecond(),
          r.p50Nanos() / 1e6,
          r.p99Nanos() / 1e6);
    }
    report.get().forEach(out::println);
    if (results.size() == 4) {
      out.println(ratio("c/a", results.get(2), results.get(0)));
      out.println(ratio("d/b", results.get(3), results.get(1)));
    }
    return results;
  }

  private static String ratio(String name, Result proxy, Result direct) {
    return String.format(
        Locale.ROOT,
        "%s throughput %.2f, p50 %+.3f ms, p99 %+.3f ms",
        name,
        proxy.perSecond() / direct.perSecond(),
        (proxy.p50Nanos() - direct.p50Nanos()) / 1e6,
        (proxy.p99Nanos() - direct.p99Nanos()) / 1e6);
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
      boolean failed =
          legacy.call(c.operation(), p, stamp) instanceof Reply.Failed f && f.httpStatus() >= 500;
      if (both) {
        failed |=
            newer.call(c.operation(), p, stamp) instanceof Reply.Failed f && f.httpStatus() >= 500;
      }
      return failed;
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

  private Result phase(String name, CallerFactory callers, DispatchServer drainOf)
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
    for (Thread t : threads) {
      t.join();
    }
    if (failure[0] != null) {
      throw new IllegalStateException("phase " + name + " failed", failure[0]);
    }
    long elapsed = window[1] - window[0];
    if (drainOf != null) {
      long drainStart = System.nanoTime();
      int backlog = drainOf.stats().shadowCallsPending();
      while (drainOf.stats().shadowCallsPending() > 0) {
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
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (long[] l : latencies) {
      System.arraycopy(l, 0, all, at, l.length);
      at += l.length;
    }
    Arrays.sort(all);
    long failed = Arrays.stream(failures).sum();
    Result r =
        new Result(
            name,
            total,
            failed,
            total / (elapsed / 1e9),
            all.length == 0 ? 0 : all[(int) (all.length * 0.50)],
            all.length == 0
                ? 0
                : all[Math.min(all.length - 1, (int) Math.ceil(all.length * 0.99) - 1)]);
    out.printf(
        Locale.ROOT,
        "  %s: %d calls, %.0f/s, p50 %.3f ms, p99 %.3f ms%n",
        name,
        r.calls(),
        r.perSecond(),
        r.p50Nanos() / 1e6,
        r.p99Nanos() / 1e6);
    return r;
  }
}
