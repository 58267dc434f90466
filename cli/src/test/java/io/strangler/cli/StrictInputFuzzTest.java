package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.Operation;
import io.strangler.api.model.Topology;
import io.strangler.flags.Mode;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import io.strangler.traffic.simulate.World;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Generated bad requests against the assembled proxy over both real stores, every API in SHADOW:
 * each is refused with 4xx and the contract's error JSON, no call reaches a backend, and both
 * stores stay byte for byte what they were. The generator is seeded: it takes a valid request of a
 * random operation over a seeded world and breaks it in one to three ways, each of which alone
 * makes the request invalid (so no combination can make it valid again).
 */
@ExtendWith(RealServers.class)
class StrictInputFuzzTest {
  private static final long SEED = Long.getLong("strangler.fuzz.seed", 20261203L);
  private static final int REQUESTS = Integer.getInteger("strangler.fuzz.requests", 12_000);
  private static final int CLIENTS = 12;

  private final RedisDb redis;
  private final PostgresDb pg;
  private TestStrangler strangler;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @TempDir Path dir;

  StrictInputFuzzTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeEach
  void start() throws Exception {
    strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, Topology.sample(2, 2));
  }

  @AfterEach
  void stop() {
    strangler.close();
  }

  @Test
  void generatedBadRequests_areRefusedWith4xx_andLeaveBothStoresUnchanged() throws Exception {
    World world = seed();
    Snapshot before = quiescentSnapshot();
    long exchangesBefore = strangler.server.outcomes().exchanges();

    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    AtomicLong sent = new AtomicLong();
    long started = System.nanoTime();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        long clientSeed = SEED * 31 + c;
        int share = REQUESTS / CLIENTS + (c < REQUESTS % CLIENTS ? 1 : 0);
        done.add(
            clients.submit(
                () -> {
                  Random random = new Random(clientSeed);
                  Generator generator = new Generator(world, random);
                  for (int i = 0; i < share; i++) {
                    Case bad = generator.next();
                    String failure = check(bad, statuses);
                    sent.incrementAndGet();
                    if (failure != null && failures.size() < 20) {
                      failures.add("client seed " + clientSeed + " #" + i + ": " + failure);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(3, TimeUnit.MINUTES);
      }
    } finally {
      clients.shutdownNow();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    System.out.printf(
        "fuzz: %d bad requests from %d clients in %d ms (seed %d), statuses %s%n",
        sent.get(), CLIENTS, took.toMillis(), SEED, new TreeMap<>(statuses));

    assertThat(failures).isEmpty();
    assertThat(sent.get()).isEqualTo(REQUESTS);
    assertThat(strangler.server.outcomes().exchanges())
        .as("no bad request reached a backend")
        .isEqualTo(exchangesBefore);
    Snapshot after = snapshot();
    assertThat(after.redis()).isEqualTo(before.redis());
    assertThat(after.postgres()).isEqualTo(before.postgres());
  }

  /** Null when the answer is what the contract says, else what is wrong with it. */
  private String check(Case bad, Map<Integer, AtomicInteger> statuses) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + strangler.server.port() + "/v1/" + bad.operation()))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(bad.body()))
            .build();
    HttpResponse<String> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return bad + " -> " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return bad + " -> interrupted";
    }
    statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
    if (r.statusCode() < 400 || r.statusCode() > 499) {
      return bad + " -> " + r.statusCode() + " " + r.body();
    }
    JsonNode error;
    try {
      error = ControlApiJson.mapper().readTree(r.body());
    } catch (IOException e) {
      return bad + " -> not JSON: " + r.body();
    }
    if (error == null
        || !error.isObject()
        || error.size() != 2
        || !error.path("code").isTextual()
        || !error.get("code").asText().equals("INVALID_ARGUMENT")
        || !error.path("message").isTextual()) {
      return bad + " -> not the contract's error JSON: " + r.body();
    }
    String message = error.get("message").asText();
    if (!bad.fields().isEmpty()
        && bad.fields().stream().noneMatch(f -> message.contains("'" + shown(f) + "'"))) {
      return bad + " -> the message names none of " + bad.fields() + ": " + message;
    }
    return null;
  }

  /** A field name as error messages echo it: anything but printable ASCII escaped. */
  private static String shown(String name) {
    StringBuilder b = new StringBuilder();
    for (char c : name.toCharArray()) {
      b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04X", (int) c));
    }
    return b.toString();
  }

  // ---- the world the valid requests are drawn from ----

  /** Entities that exist in both stores, so a mutation that slipped through would change them. */
  private record World(
      List<String> repls,
      List<String> slugs,
      List<String> machines,
      List<String> containers,
      List<String> clusters) {}

  private World seed() {
    List<String> clusters = List.of("region-1-c1", "region-1-c2", "region-2-c1", "region-2-c2");
    List<String> machines = new ArrayList<>();
    List<String> repls = new ArrayList<>();
    List<String> slugs = new ArrayList<>();
    int calls = 0;
    for (int i = 0; i < clusters.size(); i++) {
      String m = "m-" + i;
      ok(
          "RegisterMachine",
          "{\"machineId\":\""
              + m
              + "\",\"cluster\":\""
              + clusters.get(i)
              + "\",\"address\":\"10.0.0."
              + i
              + "\",\"capacity\":10}");
      ok("Heartbeat", "{\"machineId\":\"" + m + "\",\"cpuPercent\":" + (10 + i) + ".5}");
      machines.add(m);
      calls += 2;
    }
    for (int i = 0; i < 6; i++) {
      String r = "r-" + i;
      ok(
          "CreateRepl",
          "{\"replId\":\""
              + r
              + "\",\"ownerId\":\"u-1\",\"slug\":\"s-"
              + i
              + "\",\"region\":\"region-"
              + (1 + i % 2)
              + "\"}");
      repls.add(r);
      slugs.add("s-" + i);
      calls++;
    }
    List<String> containers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode answer = ok("ConnectRepl", "{\"replId\":\"r-" + i + "\"}");
      containers.add(answer.path("container").path("containerId").asText());
      calls++;
    }
    ok("TransferRepl", "{\"replId\":\"r-3\",\"targetCluster\":\"region-1-c1\",\"lazy\":true}");
    ok(
        "TransferRepl",
        "{\"replId\":\"r-4\",\"targetCluster\":\"region-2-c2\",\"tombstoneTtlSeconds\":86400}");
    ok("DrainMachine", "{\"machineId\":\"m-3\"}");
    calls += 3;
    int seeded = calls;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> strangler.server.outcomes().exchanges() >= seeded);
    return new World(repls, slugs, machines, containers, clusters);
  }

  private JsonNode ok(String operation, String body) {
    HttpResponse<String> r = strangler.post(operation, body);
    assertThat(r.statusCode()).as("%s %s: %s", operation, body, r.body()).isEqualTo(200);
    return TestStrangler.json(r.body());
  }

  // ---- store snapshots ----

  private record Snapshot(Map<String, String> redis, Map<String, List<String>> postgres) {}

  /**
   * A snapshot once shadow writes and the diff pipeline have settled: the same twice in a row.
   * Every seeded exchange has been counted by then, but what the pipeline writes after it is not.
   */
  private Snapshot quiescentSnapshot() {
    Snapshot[] last = {snapshot()};
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              Snapshot now = snapshot();
              boolean same = now.equals(last[0]);
              last[0] = now;
              return same;
            });
    return last[0];
  }

  private Snapshot snapshot() {
    return new Snapshot(redisDump(), postgresRows());
  }

  /** Every key of the test's Redis database: its type and its DUMP, byte for byte. */
  private Map<String, String> redisDump() {
    Map<String, String> out = new TreeMap<>();
    try (Jedis j = redis.connect()) {
      for (String key : j.keys("*")) {
        byte[] dump = j.dump(key);
        out.put(key, j.type(key) + " " + (dump == null ? "gone" : HexFormat.of().formatHex(dump)));
      }
    }
    return out;
  }

  /** Every row of every table of the test's PostgreSQL database, as JSON, ordered. */
  private Map<String, List<String>> postgresRows() {
    Map<String, List<String>> out = new TreeMap<>();
    try (Connection c = pg.database().connect();
        Statement s = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                  + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs =
            s.executeQuery("SELECT row_to_json(t)::text FROM " + table + " t ORDER BY 1")) {
          while (rs.next()) {
            rows.add(rs.getString(1));
          }
        }
        out.put(table, rows);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    assertThat(out).as("the control plane's tables").isNotEmpty();
    return out;
  }

  // ---- the generator ----

  /** One bad request: the fields it broke (one of them must be named), none for a broken body. */
  record Case(String operation, byte[] body, List<String> fields, List<String> how) {
    @Override
    public String toString() {
      String text = new String(body, StandardCharsets.UTF_8);
      return operation
          + " "
          + how
          + " "
          + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
    }
  }

  enum Kind {
    ID,
    SLUG,
    TEXT,
    CAPACITY,
    TTL,
    PERCENT,
    BOOL
  }

  record Field(String name, Kind kind, boolean required) {}

  private static final Map<String, List<Field>> SCHEMA = schema();

  private static Map<String, List<Field>> schema() {
    Map<String, List<Field>> m = new LinkedHashMap<>();
    Field replId = new Field("replId", Kind.ID, true);
    Field machineId = new Field("machineId", Kind.ID, true);
    m.put(
        "CreateRepl",
        List.of(
            replId,
            new Field("ownerId", Kind.ID, true),
            new Field("slug", Kind.SLUG, true),
            new Field("region", Kind.ID, true)));
    m.put("GetRepl", List.of(replId));
    m.put(
        "RegisterMachine",
        List.of(
            machineId,
            new Field("cluster", Kind.ID, true),
            new Field("address", Kind.TEXT, true),
            new Field("capacity", Kind.CAPACITY, true)));
    m.put("Heartbeat", List.of(machineId, new Field("cpuPercent", Kind.PERCENT, true)));
    m.put("DrainMachine", List.of(machineId));
    m.put("ListMachines", List.of(new Field("cluster", Kind.ID, true)));
    m.put("ConnectRepl", List.of(replId));
    m.put("StopContainer", List.of(new Field("containerId", Kind.ID, true)));
    // Exactly one of the two: the generator sends one, and removing it leaves neither.
    m.put("ListContainers", List.of(replId));
    m.put("GetHostingMetadata", List.of(new Field("slug", Kind.SLUG, true)));
    m.put("ResolveCluster", List.of(replId));
    m.put(
        "TransferRepl",
        List.of(
            replId,
            new Field("targetCluster", Kind.ID, true),
            new Field("lazy", Kind.BOOL, false),
            new Field("tombstoneTtlSeconds", Kind.TTL, false)));
    return m;
  }

  @Test
  void theGeneratorKnowsEveryOperation_andOnlyFieldsTheRequestsHave() {
    assertThat(SCHEMA.keySet()).containsExactlyInAnyOrderElementsOf(TestStrangler.OPERATIONS);
    for (Operation<?> op : Operation.ALL) {
      Set<String> components =
          java.util.Arrays.stream(op.requestType().getRecordComponents())
              .map(c -> c.getName())
              .collect(Collectors.toSet());
      assertThat(SCHEMA.get(op.name())).extracting(Field::name).isSubsetOf(components);
    }
  }

  /** Breaks valid requests; every mutation alone makes a request invalid. */
  static final class Generator {
    private static final List<Character> CONTROLS =
        java.util.stream.IntStream.range(0, 0x20)
            .filter(c -> c != '\t' && c != '\n' && c != '\r')
            .mapToObj(c -> (char) c)
            .toList();

    private final World world;
    private final Random random;

    Generator(World world, Random random) {
      this.world = world;
      this.random = random;
    }

    private <T> T pick(List<T> list) {
      return list.get(random.nextInt(list.size()));
    }

    private static String quote(String s) {
      try {
        return ControlApiJson.mapper().writeValueAsString(s);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    /** A valid value of {@code field} in {@code op}, as JSON text, naming something that exists. */
    private String valid(String op, Field f) {
      return switch (f.kind()) {
        case ID ->
            quote(
                switch (f.name()) {
                  case "replId" -> pick(world.repls());
                  case "machineId" -> pick(world.machines());
                  case "containerId" -> pick(world.containers());
                  case "cluster", "targetCluster" -> pick(world.clusters());
                  case "region" -> "region-" + (1 + random.nextInt(2));
                  default -> "u-" + random.nextInt(5);
                });
        case SLUG ->
            quote(op.equals("CreateRepl") ? "n-" + random.nextInt(1000) : pick(world.slugs()));
        case TEXT ->
            quote(
                "10.1."
                    + random.nextInt(256)
                    + "."
                    + random.nextInt(256)
                    + ":"
                    + (1024 + random.nextInt(60000)));
        case CAPACITY -> Integer.toString(1 + random.nextInt(100_000));
        case TTL -> Long.toString(1 + random.nextInt(2_592_000));
        case PERCENT ->
            random.nextBoolean()
                ? Integer.toString(random.nextInt(101))
                : Double.toString(random.nextDouble() * 100);
        case BOOL -> Boolean.toString(random.nextBoolean());
      };
    }

    Case next() {
      String op = pick(List.copyOf(SCHEMA.keySet()));
      List<Field> fields = SCHEMA.get(op);
      // name (JSON text) -> value (JSON text), in body order
      LinkedHashMap<String, String> body = new LinkedHashMap<>();
      for (Field f : fields) {
        if (f.required() || random.nextBoolean()) {
          body.put(quote(f.name()), valid(op, f));
        }
      }
      List<String> named = new ArrayList<>();
      List<String> how = new ArrayList<>();
      int mutations = 1 + random.nextInt(3);
      boolean fieldLevel = true;
      byte[] bytes = null;
      for (int i = 0; i < mutations; i++) {
        int choice = random.nextInt(100);
        if (choice < 45) {
          Field f = pick(fields);
          String bad = badValue(op, f, how);
          body.put(quote(f.name()), bad);
          named.add(f.name());
        } else if (choice < 55) {
          Field f = pick(fields.stream().filter(Field::required).toList());
          body.remove(quote(f.name()));
          if (op.equals("ListContainers")) {
            body.remove(quote("machineId")); // with machineId alone, a missing replId is valid
          }
          if (random.nextBoolean()) {
            body.put(quote(f.name()), "null");
          }
          how.add("missing " + f.name());
          named.add(f.name());
        } else if (choice < 63) {
          String name = "x" + randomText(1 + random.nextInt(12));
          body.put(quote(name), anyValue());
          how.add("extra field");
          named.add(name);
        } else if (choice < 68 && op.equals("ListContainers")) {
          body.put(quote("machineId"), quote(pick(world.machines())));
          body.put(quote("replId"), quote(pick(world.repls())));
          how.add("both replId and machineId");
          named.add("replId");
        } else {
          fieldLevel = false;
          bytes = bodyMutation(op, fields, body, how);
          break; // a broken body is sent as it is
        }
      }
      if (bytes == null) {
        bytes = serialize(body).getBytes(StandardCharsets.UTF_8);
      }
      return new Case(op, bytes, fieldLevel ? List.copyOf(named) : List.of(), List.copyOf(how));
    }

    private static String serialize(Map<String, String> body) {
      return body.entrySet().stream()
          .map(e -> e.getKey() + ":" + e.getValue())
          .collect(Collectors.joining(",", "{", "}"));
    }

    /**
     * A value {@code f} can never take: a wrong JSON type, out of range, or a string breaking its
     * rule.
     */
    private String badValue(String op, Field f, List<String> how) {
      int r = random.nextInt(10);
      if (r < 4) {
        how.add("wrong type " + f.name());
        return wrongType(op, f);
      }
      if (r < 5) {
        how.add("nested " + f.name());
        int depth = 1 + random.nextInt(200);
        return random.nextBoolean()
            ? "[".repeat(depth) + "]".repeat(depth)
            : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
      }
      how.add("bad value " + f.name());
      return switch (f.kind()) {
        case ID, SLUG, TEXT -> badString(f);
        case CAPACITY ->
            pick(
                List.of(
                    "0",
                    Integer.toString(-random.nextInt(1_000_000)),
                    Integer.toString(100_001 + random.nextInt(1_000_000)),
                    Long.toString(Integer.MAX_VALUE + 1L + random.nextInt(1000)),
                    "1" + "0".repeat(20 + random.nextInt(60)),
                    fraction(1 + random.nextInt(100_000)),
                    (1 + random.nextInt(9)) + "e" + (1 + random.nextInt(3))));
        case TTL ->
            pick(
                List.of(
                    "0",
                    Long.toString(-1 - random.nextInt(1_000_000)),
                    Long.toString(2_592_001 + random.nextInt(1_000_000)),
                    "9" + "9".repeat(19 + random.nextInt(30)),
                    fraction(1 + random.nextInt(2_592_000)),
                    (1 + random.nextInt(9)) + ".0E" + (1 + random.nextInt(5))));
        case PERCENT ->
            pick(
                List.of(
                    "-" + (random.nextInt(1000) + 1) / 1000.0,
                    Double.toString(100 + (random.nextInt(1_000_000) + 1) / 1000.0),
                    "1e" + (309 + random.nextInt(500)),
                    "-1e" + (309 + random.nextInt(500)),
                    Long.toString(101 + random.nextInt(Integer.MAX_VALUE))));
        case BOOL -> wrongType(op, f);
      };
    }

    private String fraction(int whole) {
      return whole + "." + (1 + random.nextInt(999_999)) + (random.nextBoolean() ? "" : "e0");
    }

    private String wrongType(String op, Field f) {
      List<String> options =
          new ArrayList<>(
              List.of(
                  "true",
                  "false",
                  "[]",
                  "{}",
                  "[" + valid("GetRepl", new Field("replId", Kind.ID, true)) + "]"));
      switch (f.kind()) {
        case ID, SLUG, TEXT -> {
          options.add(Integer.toString(random.nextInt()));
          options.add(Double.toString(random.nextDouble() * 1000));
        }
        case CAPACITY, TTL -> {
          options.add(quote(Integer.toString(1 + random.nextInt(1000))));
          options.add(quote(""));
          options.add(fraction(random.nextInt(1000)));
        }
        case PERCENT -> {
          options.add(quote(Integer.toString(random.nextInt(101))));
          options.add(quote(""));
        }
        case BOOL -> {
          options.removeIf(o -> o.equals("true") || o.equals("false"));
          options.add(quote(Boolean.toString(random.nextBoolean())));
          options.add(Integer.toString(random.nextInt(2)));
          options.add("0.0");
          options.add(quote(""));
        }
      }
      // Null is a missing value: refused for a required field, except that ListContainers may
      // leave replId out when machineId is set.
      if (f.required() && !op.equals("ListContainers")) {
        options.add("null");
      }
      return pick(options);
    }

    /** A string the field's rules refuse. */
    private String badString(Field f) {
      String base =
          switch (f.kind()) {
            case SLUG -> "s-" + random.nextInt(100);
            case TEXT -> "10.0.0." + random.nextInt(256);
            default -> "a" + random.nextInt(1000);
          };
      int limit =
          switch (f.kind()) {
            case SLUG -> 64;
            case TEXT -> 255;
            default -> 128;
          };
      int at = random.nextInt(base.length() + 1);
      String head = quote(base.substring(0, at));
      String tail = quote(base.substring(at));
      // Spliced as JSON escapes, which a parser turns into the characters themselves.
      String inside = head.substring(1, head.length() - 1);
      String after = tail.substring(1, tail.length() - 1);
      int r = random.nextInt(f.kind() == Kind.TEXT ? 5 : 8);
      return switch (r) {
        case 0 -> "\"" + inside + "\\u0000" + after + "\"";
        // A high surrogate followed by a non-surrogate, or a low one on its own.
        case 1 ->
            "\""
                + inside
                + String.format("\\u%04x", 0xd800 + random.nextInt(0x400))
                + after
                + "x\"";
        case 2 ->
            "\"" + inside + String.format("\\u%04x", 0xdc00 + random.nextInt(0x400)) + after + "\"";
        case 3 -> quote(base + "a".repeat(limit + 1 + random.nextInt(2000)));
        case 4 -> quote(" ".repeat(random.nextInt(4)));
        case 5 ->
            "\""
                + inside
                + pick(List.of(":", " ", "/", "\u00e9", "\\ud83d\\ude00", "%", "\\n"))
                + after
                + "\"";
        case 6 -> quote(pick(List.of("-", ".", "_")) + base);
        default ->
            f.kind() == Kind.SLUG
                ? quote(base.toUpperCase(java.util.Locale.ROOT) + "X")
                : quote(base + "\u00ff");
      };
    }

    private String anyValue() {
      return pick(List.of("1", "\"x\"", "null", "true", "[]", "{}", "1.5"));
    }

    private String randomText(int n) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        int r = random.nextInt(10);
        b.append(
            r < 7 ? (char) ('a' + random.nextInt(26)) : r < 8 ? '\u00e9' : r < 9 ? '\u0001' : '_');
      }
      return b.toString();
    }

    /** The body itself broken: bytes, syntax, shape or size. */
    private byte[] bodyMutation(
        String op, List<Field> fields, Map<String, String> body, List<String> how) {
      String text = serialize(body);
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      int r = random.nextInt(9);
      switch (r) {
        case 0 -> {
          how.add("invalid UTF-8");
          byte[] bad = invalidUtf8();
          // Inside a string value, where it does most harm, or anywhere at all.
          int quoteAt = bytes.length - 1;
          while (quoteAt > 0 && bytes[quoteAt] != '"') {
            quoteAt--;
          }
          int at = random.nextBoolean() && quoteAt > 0 ? quoteAt : random.nextInt(bytes.length + 1);
          byte[] out = new byte[bytes.length + bad.length];
          System.arraycopy(bytes, 0, out, 0, at);
          System.arraycopy(bad, 0, out, at, bad.length);
          System.arraycopy(bytes, at, out, at + bad.length, bytes.length - at);
          return out;
        }
        case 1 -> {
          how.add("truncated");
          int cut = random.nextInt(bytes.length); // a strict prefix of an object is never JSON
          return java.util.Arrays.copyOf(bytes, cut);
        }
        case 2 -> {
          how.add("top-level type");
          return pick(List.of(
                  "[" + text + "]",
                  quote(text),
                  "42",
                  "true",
                  "null",
                  "\"\"",
                  "",
                  "  ",
                  "[]",
                  "1.5"))
              .getBytes(StandardCharsets.UTF_8);
        }
        case 3 -> {
          how.add("trailing tokens");
          return (text + pick(List.of("}", "x", "{}", ",", "]", " 1", text)))
              .getBytes(StandardCharsets.UTF_8);
        }
        case 4 -> {
          how.add("duplicate key");
          Field f = pick(fields);
          String v = valid(op, f);
          return ("{"
                  + quote(f.name())
                  + ":"
                  + v
                  + ","
                  + text.substring(1, text.length() - 1)
                  + (body.size() > 0 ? "," : "")
                  + quote(f.name())
                  + ":"
                  + v
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
        }
        case 5 -> {
          how.add("deep nesting");
          int depth = 500 + random.nextInt(5000);
          String open = random.nextBoolean() ? "[" : "{\"a\":";
          String close = open.equals("[") ? "]" : "}";
          return (open.repeat(depth) + "1" + close.repeat(depth)).getBytes(StandardCharsets.UTF_8);
        }
        case 6 -> {
          how.add("non-standard JSON");
          Field f = pick(fields);
          return pick(List.of(
                  "{" + f.name() + ":" + valid(op, f) + "}",
                  "{'" + f.name() + "':" + valid(op, f) + "}",
                  "{" + quote(f.name()) + ":NaN}",
                  "{" + quote(f.name()) + ":" + valid(op, f) + ",}",
                  "{/*c*/" + quote(f.name()) + ":" + valid(op, f) + "}",
                  "{" + quote(f.name()) + ":\"a\tb\"}",
                  "{" + quote(f.name()) + ":0x1F}",
                  "{" + quote(f.name()) + ":01}"))
              .getBytes(StandardCharsets.UTF_8);
        }
        case 7 -> {
          how.add("control character");
          int at = 1 + random.nextInt(text.length() - 1);
          // Tab, line feed and carriage return are whitespace between tokens, so valid there.
          char control = pick(CONTROLS);
          return (text.substring(0, at) + control + text.substring(at))
              .getBytes(StandardCharsets.UTF_8);
        }
        default -> {
          if (random.nextInt(20) == 0) {
            how.add("huge body");
            // Over the proxy's 1 MiB limit: refused with 413 before it is parsed. Rare, as it is
            // the one slow case.
            byte[] huge = new byte[(1 << 20) + 1 + random.nextInt(4096)];
            java.util.Arrays.fill(huge, (byte) ' ');
            System.arraycopy(bytes, 0, huge, 0, bytes.length);
            huge[huge.length - 1] = 'x';
            return huge;
          }
          how.add("long unknown field");
          body.put(quote("x"), quote("y".repeat(10_000 + random.nextInt(200_000))));
          return serialize(body).getBytes(StandardCharsets.UTF_8);
        }
      }
    }

    /**
     * A byte sequence that is not well-formed UTF-8, of the kinds a lenient decoder lets through.
     */
    private byte[] invalidUtf8() {
      int c = 0x80 + random.nextInt(0x40);
      return switch (random.nextInt(9)) {
        case 0 -> new byte[] {(byte) c}; // a continuation byte on its own
        case 1 -> new byte[] {(byte) (0xc0 + random.nextInt(2)), (byte) c}; // overlong 2-byte
        case 2 ->
            new byte[] {
              (byte) 0xe0, (byte) (0x80 + random.nextInt(0x20)), (byte) c
            }; // overlong 3-byte
        case 3 ->
            new byte[] {(byte) 0xed, (byte) (0xa0 + random.nextInt(0x20)), (byte) c}; // a surrogate
        case 4 ->
            new byte[] {
              (byte) 0xf0, (byte) (0x80 + random.nextInt(0x10)), (byte) c, (byte) c
            }; // overlong 4-byte
        case 5 ->
            new byte[] {
              (byte) 0xf4, (byte) (0x90 + random.nextInt(0x30)), (byte) c, (byte) c
            }; // > U+10FFFF
        case 6 -> new byte[] {(byte) (0xf5 + random.nextInt(11))}; // never a lead byte
        case 7 ->
            new byte[] {(byte) (0xc2 + random.nextInt(30))}; // a lead without its continuation
        default ->
            new byte[] {
              (byte) (0xe1 + random.nextInt(11)), (byte) c
            }; // a 3-byte character cut short
      };
    }
  }
}
