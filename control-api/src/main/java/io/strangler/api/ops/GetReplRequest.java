package io.strangler.api.ops;

public record GetReplRequest(String replId) implements Request {
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
    return EntityKeys.repl(replId);
  }
}
