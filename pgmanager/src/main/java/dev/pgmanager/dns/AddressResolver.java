package dev.pgmanager.dns;

import dev.pgmanager.net.MachineId;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Finds where a member is right now. Addresses are looked up at the moment of use and never stored, because a
 * migrated machine keeps its ID but gets a new address.
 */
public interface AddressResolver {

    /**
     * The member's current address, or empty when DNS has no answer and there is no recent answer still worth
     * trusting. Never throws for DNS trouble and never invents an address.
     */
    Optional<InetAddress> resolve(MachineId machineId);
}
