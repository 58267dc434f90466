package io.strangler.api.ops;

/**
 * Connects a repl: answers its running container or places a new one. {@code placement} is optional
 * and null for clients: where another backend already placed this call's container, which this
 * backend applies when its own store allows (see {@link ContainerPlacement}).
 */
public record ConnectReplRequest(String replId, ContainerPlacement placement) implements Request {

  public ConnectReplRequest(String replId) {
    this(replId, null);
  }

  @Override
  public void validate() {
    Fields.id("replId", replId);
    if (placement != null) {
      placement.validate();
    }
  }

  @Override
  public String routingKey() {
    return replId;
  }

  @Override
  public String entityKey() {
    return EntityKeys.repl(replId);
  }
}
