package io.strangler.api.ops;

import io.strangler.api.model.HostingState;

/**
 * What the hosting tier needs to route one request to a repl's web server. {@code containerId} and
 * {@code address} are null when the repl is COLD.
 */
public record HostingMetadata(
    String replId, String cluster, HostingState state, String containerId, String address) {}
