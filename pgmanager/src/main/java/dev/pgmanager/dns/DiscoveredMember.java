package dev.pgmanager.dns;

import dev.pgmanager.net.MachineId;

/** A machine the platform lists for the app, with the region it runs in. */
public record DiscoveredMember(MachineId machineId, String region) {}
