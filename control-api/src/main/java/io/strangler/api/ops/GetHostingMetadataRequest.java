package io.strangler.api.ops;

public record GetHostingMetadataRequest(String slug) implements Request {
  @Override
  public void validate() {
    Fields.slug(slug);
  }

  @Override
  public String routingKey() {
    return slug;
  }

  @Override
  public String entityKey() {
    return EntityKeys.slug(slug);
  }
}
