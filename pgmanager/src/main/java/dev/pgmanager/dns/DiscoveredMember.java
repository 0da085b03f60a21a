package dev.pgmanager.dns;

/** A machine the platform lists for the app, with the region it runs in. */
public record DiscoveredMember(String machineId, String region) {}
