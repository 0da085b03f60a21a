package dev.pgmanager.ha;

/**
 * How the leader replicates: {@code OFF} asynchronously; {@code ON} commits wait for the first
 * {@code synchronous_node_count} chosen standbys ({@code FIRST n (...)}); {@code QUORUM} commits wait for any
 * {@code synchronous_node_count} of all eligible standbys ({@code ANY k (...)}).
 */
public enum SynchronousMode { OFF, ON, QUORUM }
