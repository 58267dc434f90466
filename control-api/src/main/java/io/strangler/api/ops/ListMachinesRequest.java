package io.strangler.api.ops;

public record ListMachinesRequest(String cluster) implements Request {
  @Override
  public void validate() {
    Fields.id("cluster", cluster);
  }

  @Override
  public String routingKey() {
    return cluster;
  }

  @Override
  public String entityKey() {
    return EntityKeys.cluster(cluster);
  }
}
