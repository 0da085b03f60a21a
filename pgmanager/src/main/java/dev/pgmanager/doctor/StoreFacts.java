package dev.pgmanager.doctor;

import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the store said.
 *
 * @param connect the connect string used
 * @param snapshot the cluster as the store holds it; empty when the store could not be read
 * @param error why it could not be read
 * @param servers each server of the connect string ({@code host:port}) and why it refused a TCP connection (empty: it
 *     accepted one)
 * @param addressHistory each member's addresses over time, as the members recorded them (empty when unread)
 * @param ensemble each ZooKeeper peer's state, asked of the peer, when the store is an ensemble (store mode ensemble,
 *     or an external ensemble); empty for a single server or when the store could not be read
 * @param unreadableRecord the record that could not be read and stopped the read (the identity, the epoch counter)
 */
public record StoreFacts(String connect, Optional<ClusterSnapshot> snapshot, Optional<String> error,
        Map<String, Optional<String>> servers, Map<String, List<AddressRecord>> addressHistory,
        Optional<EnsembleStatus.Report> ensemble, Optional<String> unreadableRecord) {
    public StoreFacts {
        servers = Map.copyOf(servers);
        addressHistory = Map.copyOf(addressHistory);
    }
}
