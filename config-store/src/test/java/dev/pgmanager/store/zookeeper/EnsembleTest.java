package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.EmbeddedEnsemble;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnsembleTest {
    private static Member member(String machineId) {
        return new Member(machineId, "ams", MemberRole.REPLICA, MemberState.STREAMING, 1, 0, 0, Member.Tags.NONE, 5432, 8008, Instant.now());
    }

    @Test
    void threePeersServeAndSurviveTheLossOfOne() {
        try (var ensemble = EmbeddedEnsemble.startWith(3);
                var store = ZooKeeperClusterStore.connect(settings(ensemble.connectString()))) {
            var lease = store.tryAcquireLeadership("m1").orElseThrow();
            store.touchMember(member("m1"));

            for (int stopped = 0; stopped < ensemble.size(); stopped++) {
                ensemble.stop(stopped);
                String alive = ensemble.connectString((stopped + 1) % ensemble.size());
                try (var other = ZooKeeperClusterStore.connect(settings(alive))) {
                    other.touchMember(member("m" + (stopped + 2)));
                    assertEquals(Optional.of(lease), other.read().leader(), "with peer " + stopped + " down");
                }
                ensemble.start(stopped);
            }

            // The client may be between peers right after the last restart: it must confirm within its session (an
            // expired session would have taken the ephemeral lease with it, and it could never confirm again).
            Await.until(Duration.ofSeconds(6), "the first client's session survived every single-peer outage",
                    () -> store.confirmLeadership(lease));
            assertEquals(1, store.read().members().size(), "the other clients' members left with their sessions");
        }
    }

    @Test
    void aStoppedPeerRestartsWithItsData() {
        try (var ensemble = EmbeddedEnsemble.startWith(3)) {
            try (var store = ZooKeeperClusterStore.connect(settings(ensemble.connectString()))) {
                store.appendHistory(new HistoryEntry(Instant.now(), "event", "m1", 0, 0, "before"));
            }
            for (int i = 0; i < ensemble.size(); i++) ensemble.stop(i);
            ensemble.start(0, 1, 2);
            try (var store = ZooKeeperClusterStore.connect(settings(ensemble.connectString(0)))) {
                assertEquals("before", store.read().history().getFirst().detail());
            }
        }
    }

    private static ZooKeeperStoreSettings settings(String connectString) {
        return ZooKeeperStoreSettings.of(connectString, "ensemble").withSessionTimeout(Duration.ofSeconds(6))
                .withConnectionTimeout(Duration.ofSeconds(3));
    }
}
