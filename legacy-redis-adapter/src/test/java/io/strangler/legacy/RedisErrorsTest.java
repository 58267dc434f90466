package io.strangler.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.ErrorCode;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The reply classification, including the replies LegacyStoreFaultsTest cannot provoke on one
 * server (TRYAGAIN needs a resharding cluster, NOREPLICAS and MISCONF a failing replica or disk).
 */
class RedisErrorsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "LOADING Redis is loading the dataset in memory",
        "READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "BUSY Redis is busy running a script.",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "CLUSTERDOWN Hash slot not served",
        "NOREPLICAS Not enough good replicas to write.",
        "OOM command not allowed when used memory > 'maxmemory'.",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist"
      })
  void replies_ofAStoreThatCannotServeNow_areUnavailable(String reply) {
    var e = RedisErrors.translate("legacy", new JedisDataException(reply));

    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("legacy is unavailable: " + reply);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "WRONGTYPE Operation against a key holding the wrong kind of value",
        "ERR unknown command 'FOO'",
        "NOSCRIPT No matching script.",
        "LOADINGX not a reply Redis gives"
      })
  void replies_thatAreDefects_areInternal(String reply) {
    assertThat(RedisErrors.translate("legacy", new JedisDataException(reply)).code())
        .isEqualTo(ErrorCode.INTERNAL);
  }

  @Test
  void aPoolWithNothingFree_isUnavailable_andSaysSo() {
    var e =
        RedisErrors.translate(
            "legacy",
            new JedisException(
                "Could not get a resource from the pool",
                new NoSuchElementException("Timeout waiting for idle object")));

    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(e.getMessage())
        .isEqualTo(
            "legacy is unavailable: no pooled connection free: Timeout waiting for idle object");
  }

  @Test
  void aBrokenConnection_isUnavailable() {
    assertThat(
            RedisErrors.translate(
                    "legacy", new JedisConnectionException("Unexpected end of stream."))
                .code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
  }
}
