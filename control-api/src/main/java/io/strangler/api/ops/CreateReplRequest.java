package io.strangler.api.ops;

public record CreateReplRequest(String replId, String ownerId, String slug, String region)
    implements Request {
  @Override
  public void validate() {
    Fields.id("replId", replId);
    Fields.id("ownerId", ownerId);
    Fields.slug(slug);
    Fields.id("region", region);
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
