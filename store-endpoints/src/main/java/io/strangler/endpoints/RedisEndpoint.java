package io.strangler.endpoints;

import java.net.URI;

/** A reachable Redis server. */
public record RedisEndpoint(String host, int port, boolean embedded) {

  /** A {@code redis://host:port/db} URI for one logical database. */
  public String uri(int db) {
    return "redis://" + host + ":" + port + "/" + db;
  }

  public String uri() {
    return "redis://" + host + ":" + port;
  }

  /** Parses {@code redis://host[:port][/db]}. */
  public static RedisEndpoint parse(String url) {
    URI u = URI.create(url);
    if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
      throw new IllegalArgumentException(
          "expected a Redis URL like redis://127.0.0.1:6379, got '" + url + "'");
    }
    return new RedisEndpoint(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort(), false);
  }
}
