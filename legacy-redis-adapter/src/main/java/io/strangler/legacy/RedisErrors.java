package io.strangler.legacy;

import io.strangler.api.ControlPlaneException;
import io.strangler.api.Errors;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Turns what Jedis throws into the contract's errors: UNAVAILABLE for every failure that is the
 * store's state and not the request's fault, so that a client may retry; INTERNAL for the rest,
 * which are defects (a key of the wrong type, a command the server does not know).
 */
final class RedisErrors {
  /**
   * Error replies of a server that cannot serve the command now but will later, or elsewhere: it is
   * loading its dataset, is a replica (READONLY) or one cut off from its primary (MASTERDOWN), runs
   * a long script (BUSY), is resharding or lost slots (TRYAGAIN, CLUSTERDOWN), lacks the replicas
   * or the memory it is told to need (NOREPLICAS, OOM), or cannot persist (MISCONF).
   */
  private static final List<String> UNAVAILABLE_REPLIES =
      List.of(
          "LOADING ",
          "READONLY ",
          "MASTERDOWN ",
          "BUSY ",
          "TRYAGAIN ",
          "CLUSTERDOWN ",
          "NOREPLICAS ",
          "OOM ",
          "MISCONF ");

  private RedisErrors() {}

  static ControlPlaneException translate(String backend, RuntimeException e) {
    return translate(backend, e, null);
  }

  /** As above; a pool timeout's message carries {@code pool}'s state when it is given. */
  static ControlPlaneException translate(
      String backend, RuntimeException e, GenericObjectPool<?> pool) {
    if (e instanceof ControlPlaneException c) {
      return c;
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JedisConnectionException) {
        // Refused, reset, or a connect or read timeout (a server that stopped answering).
        return Errors.unavailable(backend, t);
      }
      if (t instanceof JedisDataException reply) {
        return isUnavailableReply(reply.getMessage())
            ? Errors.unavailable(backend, reply)
            : Errors.internal(backend, reply);
      }
      if (t instanceof NoSuchElementException) {
        // The pool had no connection to spare within its maxWait.
        String state =
            pool == null
                ? ""
                : " (active="
                    + pool.getNumActive()
                    + ", idle="
                    + pool.getNumIdle()
                    + ", waiting="
                    + pool.getNumWaiters()
                    + ")";
        return Errors.unavailable(
            backend,
            new JedisException("no pooled connection free" + state + ": " + t.getMessage(), e));
      }
      if (t instanceof InterruptedException) {
        // Interrupted while waiting for a pooled connection: keep the caller's interrupt.
        Thread.currentThread().interrupt();
        return Errors.unavailable(backend, e);
      }
    }
    return Errors.internal(backend, e);
  }

  static boolean isUnavailableReply(String message) {
    if (message == null) {
      return false;
    }
    for (String prefix : UNAVAILABLE_REPLIES) {
      if (message.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
