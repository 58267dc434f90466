package io.strangler.api.model;

import java.time.Instant;

/**
 * Left in a cluster when a repl moves away, pointing at the cluster it moved to, until {@code
 * expiresAt} (the DNS TTL during which clients may still ask the old cluster).
 */
public record Tombstone(
    String replId, String from, String to, Instant createdAt, Instant expiresAt) {

  public boolean liveAt(Instant now) {
    return expiresAt.isAfter(now);
  }
}
