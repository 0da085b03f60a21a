package dev.pgmanager.sidecar.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.LocalPostgres.Server;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.Member;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What a member writes about itself: the backup summary only while it leads, and at once when it changes. */
class MemberRecordsTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final LocalPostgres PRIMARY = LocalPostgres.running("7311111111111111111", 2, Server.primary(OptionalLong.of(1000)));

    private final List<Member> written = new ArrayList<>();
    private final AtomicReference<Optional<Member.Backups>> summary = new AtomicReference<>(Optional.of(backups(NOW.minusSeconds(30))));
    private final MemberRecords records = new MemberRecords(store(written), "aaaa0000000001", "ams", Member.Tags.NONE, 5433, 8008,
            () -> false, summary::get, Optional::empty, List::of, Duration.ofSeconds(10));

    @Test
    void onlyTheLeaderPublishesTheBackupSummary() {
        assertEquals(summary.get(), records.describe(PRIMARY, true, NOW).backups());
        assertEquals(Optional.empty(), records.describe(PRIMARY, false, NOW).backups(), "a primary without the lease does not lead");
    }

    @Test
    void aChangedSummaryIsWrittenAtOnceAndAnUnchangedOneOnlyWhenTheRecordIsRefreshed() {
        records.publish(records.describe(PRIMARY, true, NOW));
        records.publish(records.describe(PRIMARY, true, NOW.plusSeconds(1)));
        assertEquals(1, written.size());

        summary.set(Optional.of(backups(NOW.plusSeconds(1))));
        records.publish(records.describe(PRIMARY, true, NOW.plusSeconds(2)));

        assertEquals(2, written.size());
        assertEquals(summary.get(), written.getLast().backups());
    }

    private static Member.Backups backups(Instant lastArchivedAt) {
        return new Member.Backups(Optional.of(lastArchivedAt), Optional.of("000000020000000000000003"), Optional.empty(), Optional.empty(),
                0, Optional.empty(), Optional.empty(), Optional.empty(), 0, 0, Optional.empty(), 60_000, 86_400_000);
    }

    /** A store that keeps the records written to it and knows nothing else. */
    private static ClusterStore store(List<Member> written) {
        return (ClusterStore) Proxy.newProxyInstance(ClusterStore.class.getClassLoader(), new Class<?>[] {ClusterStore.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("touchMember")) throw new UnsupportedOperationException(method.getName());
                    written.add((Member) args[0]);
                    return null;
                });
    }
}
