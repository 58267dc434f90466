package io.strangler.api.ops;

import io.strangler.api.Errors;
import java.time.Duration;

/**
 * Moves a repl to another cluster. {@code lazy} (default false) marks a pending transfer that the
 * next ConnectRepl applies; an eager transfer moves now. {@code tombstoneTtlSeconds} (default
 * {@value #DEFAULT_TOMBSTONE_TTL_SECONDS}) is how long the tombstone left in the old cluster lives.
 */
public record TransferReplRequest(
    String replId, String targetCluster, Boolean lazy, Long tombstoneTtlSeconds)
    implements Request {
  public static final long DEFAULT_TOMBSTONE_TTL_SECONDS = 3600;

  public TransferReplRequest(String replId, String targetCluster, boolean lazy) {
    this(replId, targetCluster, lazy, null);
  }

  @Override
  public void validate() {
    Fields.id("replId", replId);
    Fields.id("targetCluster", targetCluster);
    if (tombstoneTtlSeconds != null
        && (tombstoneTtlSeconds < 1 || tombstoneTtlSeconds > 30L * 86400)) {
      throw Errors.invalid(
          "field 'tombstoneTtlSeconds' must be between 1 and 2592000, got " + tombstoneTtlSeconds);
    }
  }

  public boolean isLazy() {
    return lazy != null && lazy;
  }

  public Duration tombstoneTtl() {
    return Duration.ofSeconds(
        tombstoneTtlSeconds == null ? DEFAULT_TOMBSTONE_TTL_SECONDS : tombstoneTtlSeconds);
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
