package io.strangler.dispatch;

import io.strangler.dispatch.kv.PostgresKvBackend;
import io.strangler.dispatch.kv.RedisKvBackend;
import io.strangler.servers.RealServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * The two real stores of a test class: the key-value API over Redis (named legacy) and over
 * PostgreSQL (named new).
 */
final class KvStores implements AutoCloseable {
  final RedisKvBackend redis;
  final PostgresKvBackend postgres;

  KvStores(RealServers.RedisDb redisDb, RealServers.PostgresDb postgresDb) {
    this.redis =
        new RedisKvBackend(
            "legacy", redisDb.endpoint().host(), redisDb.endpoint().port(), redisDb.db(), 32);
    this.postgres =
        new PostgresKvBackend(
            "new", postgresDb.jdbcUrl(), postgresDb.user(), postgresDb.password(), 8);
  }

  void flush() {
    redis.flush();
    postgres.flush();
  }

  /** A Redis backend on a port nothing listens on: every call fails to connect. */
  static RedisKvBackend deadRedis(String name) {
    return new RedisKvBackend(name, "127.0.0.1", freePort(), 0, 2);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    redis.close();
    postgres.close();
  }
}
