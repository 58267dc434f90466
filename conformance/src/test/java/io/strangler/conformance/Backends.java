package io.strangler.conformance;

import io.strangler.api.ControlPlane;
import io.strangler.controlplane.PostgresControlPlane;
import io.strangler.legacy.LegacyRedisControlPlane;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;

/** Opens the two real backends over a test class's stores. */
final class Backends {
  private Backends() {}

  static ControlPlane legacy(RedisDb redis) {
    redis.flush();
    return LegacyRedisControlPlane.create(redis.uri());
  }

  static ControlPlane controlPlane(PostgresDb pg) {
    return new PostgresControlPlane(pg.jdbcUrl(), pg.user(), pg.password());
  }
}
