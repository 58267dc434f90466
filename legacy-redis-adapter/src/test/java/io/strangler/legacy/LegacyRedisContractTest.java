package io.strangler.legacy;

import io.strangler.api.ControlPlane;
import io.strangler.api.contract.ControlPlaneContract;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.RedisDb;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared control API contract, run against the legacy Redis backend. */
@ExtendWith(RealServers.class)
class LegacyRedisContractTest extends ControlPlaneContract {
  private final RedisDb redis;

  LegacyRedisContractTest(RedisDb redis) {
    this.redis = redis;
  }

  @Override
  protected ControlPlane newPlane() {
    redis.flush();
    return LegacyRedisControlPlane.create(redis.uri(), 8);
  }
}
