package io.strangler.cli;

import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.endpoints.RedisEndpoint;
import io.strangler.servers.Servers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the two stores are: the URLs the user gave, or embedded servers started for this process
 * (said out loud: data in them is gone when the process ends).
 */
record StoreLocations(String redisUri, PostgresEndpoint postgres) {
  private static final Logger log = LoggerFactory.getLogger(StoreLocations.class);

  static StoreLocations resolve(String redisUrl, String postgresUrl) {
    String redis;
    if (redisUrl == null || redisUrl.isBlank()) {
      RedisEndpoint e = Servers.startEmbeddedRedis();
      redis = e.uri(0);
      log.info(
          "no --redis given: started an embedded Redis at {} (its data is gone when strangler exits)",
          e.uri());
    } else {
      redis = redisUrl;
    }
    PostgresEndpoint pg;
    if (postgresUrl == null || postgresUrl.isBlank()) {
      pg = Servers.startEmbeddedPostgres();
      log.info(
          "no --postgres given: started an embedded PostgreSQL at {} (its data is gone when strangler exits)",
          pg.jdbcUrl());
    } else {
      pg = PostgresEndpoint.parse(postgresUrl);
    }
    return new StoreLocations(redis, pg);
  }
}
