package io.strangler.dispatch.kv;

import io.strangler.dispatch.Backend;
import io.strangler.dispatch.Prepared;
import io.strangler.dispatch.Reply;
import io.strangler.dispatch.Stamp;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * The key-value API over Redis: {@code kv:<key>} holds the value and {@code kvh:<key>} the list of
 * every value written, in the order Redis applied them.
 */
public final class RedisKvBackend implements Backend, AutoCloseable {
  private final String name;
  private final JedisPool pool;

  public RedisKvBackend(String name, String host, int port, int db, int poolSize) {
    this.name = name;
    JedisPoolConfig config = new JedisPoolConfig();
    config.setMaxTotal(poolSize);
    config.setMaxIdle(poolSize);
    config.setMaxWait(java.time.Duration.ofSeconds(5));
    config.setJmxEnabled(false);
    this.pool = new JedisPool(config, host, port, 2000, null, db);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Reply call(String operation, Prepared request, Stamp stamp) {
    KvApi.KvRequest r = request.request(KvApi.KvRequest.class);
    try (Jedis j = pool.getResource()) {
      return switch (operation) {
        case KvApi.GET -> {
          String v = j.get("kv:" + r.key());
          yield v == null ? KvApi.notFound(r.key()) : Reply.ok(KvApi.entry(r.key(), v));
        }
        case KvApi.PUT -> {
          Transaction t = j.multi();
          t.set("kv:" + r.key(), r.value());
          t.rpush("kvh:" + r.key(), r.value());
          t.exec();
          yield Reply.ok(KvApi.entry(r.key(), r.value()));
        }
        case KvApi.CREATE -> {
          String ok = j.set("kv:" + r.key(), r.value(), SetParams.setParams().nx());
          if (ok == null) {
            yield KvApi.exists(r.key());
          }
          j.rpush("kvh:" + r.key(), r.value());
          yield Reply.ok(KvApi.entry(r.key(), r.value()));
        }
        default -> Reply.failed("INTERNAL", 500, name + " has no operation " + operation);
      };
    } catch (JedisException e) {
      return isConnectionFailure(e)
          ? Reply.unavailable(name + " is unavailable: " + e.getMessage())
          : Reply.failed("INTERNAL", 500, name + " failed: " + e);
    }
  }

  private static boolean isConnectionFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JedisConnectionException || t instanceof java.net.ConnectException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean ready() {
    try (Jedis j = pool.getResource()) {
      return "PONG".equals(j.ping());
    } catch (JedisException e) {
      return false;
    }
  }

  /** The stored value, or null. */
  public String value(String key) {
    try (Jedis j = pool.getResource()) {
      return j.get("kv:" + key);
    }
  }

  /** Every value written to {@code key}, in order. */
  public List<String> history(String key) {
    try (Jedis j = pool.getResource()) {
      return j.lrange("kvh:" + key, 0, -1);
    }
  }

  /** Writes a value directly, bypassing the proxy (to seed a store). */
  public void seed(String key, String value) {
    try (Jedis j = pool.getResource()) {
      j.set("kv:" + key, value);
    }
  }

  public void flush() {
    try (Jedis j = pool.getResource()) {
      j.flushDB();
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
