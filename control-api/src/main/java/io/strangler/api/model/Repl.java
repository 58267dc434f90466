package io.strangler.api.model;

import java.time.Instant;

/**
 * A user's project. {@code pendingTransferTo} names the cluster a lazy transfer will move it to at
 * its next ConnectRepl, or is null.
 */
public record Repl(
    String replId,
    String ownerId,
    String slug,
    String region,
    String cluster,
    String pendingTransferTo,
    Instant createdAt) {

  public Repl withCluster(String newRegion, String newCluster) {
    return new Repl(replId, ownerId, slug, newRegion, newCluster, null, createdAt);
  }

  public Repl withPendingTransferTo(String target) {
    return new Repl(replId, ownerId, slug, region, cluster, target, createdAt);
  }
}
