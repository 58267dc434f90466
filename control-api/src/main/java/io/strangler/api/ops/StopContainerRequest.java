package io.strangler.api.ops;

public record StopContainerRequest(String containerId) implements Request {
  @Override
  public void validate() {
    Fields.id("containerId", containerId);
  }

  @Override
  public String routingKey() {
    return containerId;
  }

  @Override
  public String entityKey() {
    return EntityKeys.container(containerId);
  }
}
