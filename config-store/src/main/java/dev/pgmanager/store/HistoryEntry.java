package dev.pgmanager.store;

import java.time.Instant;

/**
 * One past event of the cluster.
 *
 * @param at when it happened
 * @param kind what happened ("bootstrap", "failover", "switchover", "migration", ...)
 * @param machineId the member it concerns
 * @param epoch the leader epoch at that moment (0 when none)
 * @param timeline the timeline at that moment (0 when unknown)
 * @param detail one human-readable sentence
 */
public record HistoryEntry(Instant at, String kind, String machineId, long epoch, long timeline, String detail) {}
