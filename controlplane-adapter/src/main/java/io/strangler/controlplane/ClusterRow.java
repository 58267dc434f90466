package io.strangler.controlplane;

/** One cluster of the stored topology. */
record ClusterRow(String region, String name) {}
