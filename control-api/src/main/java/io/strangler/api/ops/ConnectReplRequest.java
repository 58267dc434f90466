package io.strangler.api.ops;

public record ConnectReplRequest(String replId) implements Request {
  @Override
  public void validate() {
    Fields.id("replId", replId);
  }

  @Override
  public String routingKey() {
    return replId;
  }

  @Override
  public String entityKey() {
    return "repl:" + replId;
  }
}
