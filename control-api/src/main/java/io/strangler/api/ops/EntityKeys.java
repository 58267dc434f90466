package io.strangler.api.ops;

/**
 * The entity keys of the control API ({@link Request#entityKey()}): one namespace per entity type,
 * so that the proxy's lanes for reads and writes of one entity line up wherever a key is built.
 */
public final class EntityKeys {
  private EntityKeys() {}

  public static String repl(String replId) {
    return "repl:" + replId;
  }

  public static String machine(String machineId) {
    return "machine:" + machineId;
  }

  public static String container(String containerId) {
    return "container:" + containerId;
  }

  public static String slug(String slug) {
    return "slug:" + slug;
  }

  public static String cluster(String cluster) {
    return "cluster:" + cluster;
  }
}
