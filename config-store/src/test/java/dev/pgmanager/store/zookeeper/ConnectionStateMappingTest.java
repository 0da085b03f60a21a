package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.store.StoreConnectionState;
import org.apache.curator.framework.state.ConnectionState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionStateMappingTest {
    @ParameterizedTest
    @CsvSource({
        "CONNECTED, CONNECTED",
        "SUSPENDED, SUSPENDED",
        "RECONNECTED, RECONNECTED",
        "LOST, LOST",
        // a read-only server cannot keep a lease alive: as unsafe as no connection
        "READ_ONLY, SUSPENDED",
    })
    void curatorStatesMapToStoreStates(ConnectionState curator, StoreConnectionState expected) {
        assertEquals(expected, ZooKeeperClusterStore.toStoreState(curator));
    }
}
