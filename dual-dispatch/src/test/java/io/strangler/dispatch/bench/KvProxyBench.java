package io.strangler.dispatch.bench;

import io.strangler.dispatch.kv.KvApi;
import io.strangler.dispatch.kv.PostgresKvBackend;
import io.strangler.dispatch.kv.RedisKvBackend;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.servers.Servers;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * {@link ProxyBench} on the key-value API: legacy over Redis, new over PostgreSQL, 10,000 keys
 * seeded in both, 80% reads and 20% writes on random keys. Servers as in the tests ({@code
 * STRANGLER_REDIS_URL} / {@code STRANGLER_POSTGRES_URL}, else embedded).
 */
public final class KvProxyBench {
  private static final int KEYS = 10_000;

  private KvProxyBench() {}

  public static void main(String[] args) throws Exception {
    ProxyBench.Settings settings = ProxyBench.Settings.fromSystemProperties();
    RedisEndpoint redis = Servers.redis();
    PostgresEndpoint server = Servers.postgres();
    String dbName = "strangler_bench_" + ProcessHandle.current().pid();
    PostgresEndpoint pg = server.createDatabase(dbName);
    // Database 0 is never flushed by tests; the run's keys live under a prefix of their own.
    String namespace = "bench-" + ProcessHandle.current().pid() + ":";
    int pool = Math.max(8, settings.clients());
    try (RedisKvBackend legacy =
            new RedisKvBackend("legacy", redis.host(), redis.port(), 0, pool * 2, namespace);
        PostgresKvBackend newer =
            new PostgresKvBackend("new", pg.jdbcUrl(), pg.user(), pg.password(), pool)) {
      for (int k = 0; k < KEYS; k++) {
        legacy.seed("key-" + k, "seed");
        newer.seed("key-" + k, "seed");
      }
      SplittableRandom[] randoms = new SplittableRandom[settings.clients()];
      for (int c = 0; c < randoms.length; c++) {
        randoms[c] = new SplittableRandom(c);
      }
      ProxyBench.Workload workload =
          (client, seq) -> {
            SplittableRandom r = randoms[client];
            String key = "key-" + r.nextInt(KEYS);
            if (r.nextInt(10) < 8) {
              return new ProxyBench.BenchCall(
                  KvApi.GET, ("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            return new ProxyBench.BenchCall(
                KvApi.PUT,
                ("{\"key\":\"" + key + "\",\"value\":\"v" + seq + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
          };
      new ProxyBench(KvApi.registry(), legacy, newer, workload, settings, System.out).run();
      legacy.deleteNamespace();
    } finally {
      server.dropDatabase(dbName);
    }
  }
}
