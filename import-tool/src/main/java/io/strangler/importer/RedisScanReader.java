package io.strangler.importer;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;

/**
 * Streams the keys of one logical database of a live Redis server (one restored from the backup)
 * into a {@link KeySink}: SCAN with a COUNT, then one pipeline per page reading each key with the
 * command its name calls for (and its PTTL). The server answers other clients between pages and no
 * command blocks it for long; memory holds one page.
 *
 * <p>SCAN may return a key more than once; {@link #mayRepeatKeys()} tells the staging to drop
 * repeats. Its "backup time" is the server's clock when the scan starts.
 */
final class RedisScanReader {
  static final int DEFAULT_PAGE = 1_000;
  private static final int TIMEOUT_MILLIS = 30_000;

  private final RedisTarget target;
  private final int page;
  private final LongConsumer progress;

  RedisScanReader(RedisTarget target, int page, LongConsumer progress) {
    this.target = target;
    this.page = page;
    this.progress = progress;
  }

  static boolean mayRepeatKeys() {
    return true;
  }

  record Stats(long dbSize, long keysScanned, long vanished) {}

  /**
   * The number of keys in the database, for a progress bar; a connection failure is UNAVAILABLE.
   */
  long dbSize() {
    try (Jedis j = connect()) {
      return j.dbSize();
    } catch (JedisConnectionException e) {
      throw unavailable(e);
    }
  }

  Stats read(KeySink sink) {
    try (Jedis j = connect()) {
      long dbSize = j.dbSize();
      List<String> time = j.time();
      sink.backupTime(Long.parseLong(time.get(0)) * 1000L + Long.parseLong(time.get(1)) / 1000L);
      ScanParams params = new ScanParams().count(page);
      String cursor = ScanParams.SCAN_POINTER_START;
      long scanned = 0;
      long vanished = 0;
      do {
        ScanResult<String> result = j.scan(cursor, params);
        cursor = result.getCursor();
        vanished += readPage(j, result.getResult(), sink);
        scanned += result.getResult().size();
        progress.accept(scanned);
      } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
      return new Stats(dbSize, scanned, vanished);
    } catch (JedisConnectionException e) {
      throw unavailable(e);
    }
  }

  private ImportException unavailable(Exception e) {
    return ImportException.unavailable(
        "cannot read Redis at " + target.display() + ": " + e.getMessage(), e);
  }

  /**
   * Connects to {@code target} and PINGs it within {@code timeoutMillis} (connect and reply each);
   * a server that cannot be reached, refuses the credentials or is still loading throws.
   */
  static void ping(RedisTarget target, int timeoutMillis) {
    // connect() PINGs before it answers the connection.
    connect(target, timeoutMillis).close();
  }

  private Jedis connect() {
    return connect(target, TIMEOUT_MILLIS);
  }

  private static Jedis connect(RedisTarget target, int timeoutMillis) {
    Jedis j =
        new Jedis(
            new HostAndPort(target.host(), target.port()),
            DefaultJedisClientConfig.builder()
                .database(target.db())
                .user(target.user())
                .password(target.password())
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .clientName("strangler-import")
                .build());
    try {
      j.ping();
    } catch (RuntimeException e) {
      j.close();
      throw e;
    }
    return j;
  }

  /**
   * Reads one page of keys; answers how many had vanished since SCAN named them. No PTTL is read: a
   * key the server still returns has not expired at the scan's time, which is the backup's.
   */
  private static long readPage(Jedis j, List<String> keys, KeySink sink) {
    int n = keys.size();
    List<Response<?>> values = new ArrayList<>(n);
    try (Pipeline p = j.pipelined()) {
      for (String key : keys) {
        LegacyKey k = LegacyKey.parse(key);
        LegacyKey.RedisType type = k == null ? LegacyKey.RedisType.OTHER : k.kind().type;
        values.add(
            switch (type) {
              case STRING -> p.get(key);
              case HASH -> p.hgetAll(key);
              case SET -> p.smembers(key);
              case ZSET -> p.zrangeWithScores(key, 0, -1);
              case OTHER -> p.type(key);
            });
      }
      p.sync();
    }
    long vanished = 0;
    List<String> wrongType = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = keys.get(i);
      Object value;
      try {
        value = values.get(i).get();
      } catch (JedisDataException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("WRONGTYPE")) {
          wrongType.add(key);
          continue;
        }
        throw e;
      }
      if (!deliver(key, value, sink)) {
        vanished++;
      }
    }
    if (!wrongType.isEmpty()) {
      List<Response<String>> types = new ArrayList<>(wrongType.size());
      try (Pipeline p = j.pipelined()) {
        for (String key : wrongType) {
          types.add(p.type(key));
        }
        p.sync();
      }
      for (int i = 0; i < wrongType.size(); i++) {
        String type = types.get(i).get();
        if ("none".equals(type)) {
          vanished++;
        } else {
          sink.other(wrongType.get(i), type, KeySink.NO_EXPIRY);
        }
      }
    }
    return vanished;
  }

  /** Hands one key to the sink; false when it had vanished (an empty or missing reply). */
  @SuppressWarnings("unchecked")
  private static boolean deliver(String key, Object value, KeySink sink) {
    long none = KeySink.NO_EXPIRY;
    switch (value) {
      case String type when LegacyKey.parse(key) == null -> {
        if ("none".equals(type)) {
          return false;
        }
        sink.other(key, type, none);
      }
      case String s -> sink.string(key, s, none);
      case Map<?, ?> m when !m.isEmpty() -> sink.hash(key, (Map<String, String>) m, none);
      case Set<?> s when !s.isEmpty() -> sink.set(key, (Set<String>) s, none);
      case List<?> l when !l.isEmpty() -> {
        List<Tuple> tuples = (List<Tuple>) l;
        String[] members = new String[tuples.size()];
        double[] scores = new double[tuples.size()];
        for (int i = 0; i < members.length; i++) {
          members[i] = tuples.get(i).getElement();
          scores[i] = tuples.get(i).getScore();
        }
        sink.zset(key, members, scores, none);
      }
      case null, default -> {
        return false;
      }
    }
    return true;
  }

  /** A Redis server and logical database, from {@code redis://[user:password@]host:port[/db]}. */
  record RedisTarget(String host, int port, int db, String user, String password) {
    static RedisTarget parse(String url, Integer dbOverride) {
      URI u;
      try {
        u = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "expected a Redis URL like redis://127.0.0.1:6379/0, got '" + url + "'", e);
      }
      String path = u.getPath() == null ? "" : u.getPath();
      if (!"redis".equals(u.getScheme())
          || u.getHost() == null
          || !(path.isEmpty() || path.equals("/") || path.matches("/\\d{1,2}"))) {
        throw new IllegalArgumentException(
            "expected a Redis URL like redis://127.0.0.1:6379/0 (the path is the logical"
                + " database), got '"
                + url
                + "'");
      }
      int db = path.length() > 1 ? Integer.parseInt(path.substring(1)) : 0;
      if (dbOverride != null) {
        db = dbOverride;
      }
      String user = null;
      String password = null;
      if (u.getUserInfo() != null) {
        String[] parts = u.getUserInfo().split(":", 2);
        if (parts.length == 2) {
          user = parts[0].isEmpty() ? null : parts[0];
          password = parts[1];
        } else {
          password = parts[0];
        }
      }
      return new RedisTarget(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort(), db, user, password);
    }

    /** host:port/db, without credentials, for messages. */
    String display() {
      return "redis://" + host + ":" + port + "/" + db;
    }

    String uri() {
      return display();
    }
  }
}
