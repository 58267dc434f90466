package io.strangler.traffic.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A light live traffic mix against the proxy, over HTTP like any client: hosting reads of popular
 * repls dominate, then connects, cluster lookups, heartbeats, stops, a few creates and lazy
 * transfers. Bounded: at most {@code maxInFlight} calls at once; beyond that a tick is skipped.
 */
public final class DemoTraffic implements AutoCloseable {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  private final DemoWorld world;
  private final URI api;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("demo-traffic").daemon().factory());
  private final Semaphore inFlight = new Semaphore(32);
  private final Random random;
  private final List<String> containers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();
  private int nextRepl;

  public DemoTraffic(DemoWorld world, URI api, long seed) {
    this.world = world;
    this.api = api;
    this.random = new Random(seed);
    this.nextRepl = world.repls;
  }

  public void start(int perSecond) {
    long periodMicros = Math.max(1, 1_000_000L / Math.max(1, perSecond));
    ticker.scheduleAtFixedRate(this::tick, 0, periodMicros, TimeUnit.MICROSECONDS);
  }

  public long sent() {
    return sent.get();
  }

  public java.util.Map<Integer, Long> statuses() {
    java.util.Map<Integer, Long> m = new java.util.TreeMap<>();
    statuses.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  private void tick() {
    if (!inFlight.tryAcquire()) {
      return;
    }
    String[] call = next();
    HttpRequest request =
        HttpRequest.newBuilder(api.resolve("/v1/" + call[0]))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(call[1]))
            .build();
    sent.incrementAndGet();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, error) -> {
              inFlight.release();
              int status = error != null ? 0 : response.statusCode();
              statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
              if (error == null && status == 200 && call[0].equals("ConnectRepl")) {
                learn(response.body());
              }
            });
  }

  private void learn(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n.path("created").asBoolean()) {
        containers.add(n.path("container").path("containerId").asText());
        if (containers.size() > 5000) {
          containers.remove(0);
        }
      }
    } catch (IOException e) {
      // Not JSON: nothing to learn; the status was counted.
    }
  }

  /** The next call: {operation, JSON body}. */
  private synchronized String[] next() {
    ObjectNode b = JSON.createObjectNode();
    int roll = random.nextInt(100);
    int popular = zipf();
    if (roll < 40) {
      b.put("slug", DemoWorld.slug(popular));
      return new String[] {"GetHostingMetadata", b.toString()};
    } else if (roll < 55) {
      b.put("replId", DemoWorld.replId(popular));
      return new String[] {"ConnectRepl", b.toString()};
    } else if (roll < 65) {
      b.put("replId", DemoWorld.replId(popular));
      return new String[] {"ResolveCluster", b.toString()};
    } else if (roll < 73) {
      b.put("replId", DemoWorld.replId(popular));
      return new String[] {"GetRepl", b.toString()};
    } else if (roll < 83) {
      b.put("machineId", DemoWorld.machineId(random.nextInt(world.machines)));
      b.put("cpuPercent", Math.round(random.nextDouble() * 9000) / 100.0);
      return new String[] {"Heartbeat", b.toString()};
    } else if (roll < 89 && !containers.isEmpty()) {
      b.put("containerId", containers.remove(random.nextInt(containers.size())));
      return new String[] {"StopContainer", b.toString()};
    } else if (roll < 93) {
      List<String> clusters =
          world.topology.regions().values().stream().flatMap(List::stream).toList();
      b.put("cluster", clusters.get(random.nextInt(clusters.size())));
      return new String[] {"ListMachines", b.toString()};
    } else if (roll < 96) {
      b.put("replId", DemoWorld.replId(popular));
      return new String[] {"ListContainers", b.toString()};
    } else if (roll < 99) {
      int i = nextRepl++;
      List<String> regions = List.copyOf(world.topology.regions().keySet());
      b.put("replId", DemoWorld.replId(i));
      b.put("ownerId", "owner-" + random.nextInt(1000));
      b.put("slug", DemoWorld.slug(i));
      b.put("region", regions.get(random.nextInt(regions.size())));
      return new String[] {"CreateRepl", b.toString()};
    } else {
      List<String> clusters =
          world.topology.regions().values().stream().flatMap(List::stream).toList();
      b.put("replId", DemoWorld.replId(popular));
      b.put("targetCluster", clusters.get(random.nextInt(clusters.size())));
      b.put("lazy", true);
      return new String[] {"TransferRepl", b.toString()};
    }
  }

  /** A repl index with a Zipf-like popularity: a few repls get most of the traffic. */
  private int zipf() {
    double u = random.nextDouble();
    int i = (int) Math.floor(Math.pow(world.repls, u)) - 1;
    return Math.max(0, Math.min(world.repls - 1, i));
  }

  /** Stops sending and waits (up to 5 s) for the calls in flight to be answered. */
  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      if (ticker.awaitTermination(5, TimeUnit.SECONDS)
          && inFlight.tryAcquire(32, 5, TimeUnit.SECONDS)) {
        inFlight.release(32);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
