package dev.pgmanager.ha;

import dev.pgmanager.store.Member;
import java.time.Duration;
import java.util.Optional;

/**
 * Who may lead, by the rules that do not depend on WAL: region and freshness.
 *
 * @param primaryRegion when present, only members in it may lead (unless {@code outsideAllowed})
 * @param outsideAllowed members outside the primary region may lead too
 * @param staleAfter a member record older than this is not trusted as alive
 * @param handoverTimeout a switchover or failover request older than this is abandoned
 * @param restoredFrom what this machine's volume was restored or forked from (FLY_RESTORED_FROM): such a member makes no
 *                     new cluster from an empty data directory, it waits for the member that holds the restored data
 */
public record Candidacy(Optional<String> primaryRegion, boolean outsideAllowed, Duration staleAfter, Duration handoverTimeout,
        Optional<String> restoredFrom) {

    public Candidacy(Optional<String> primaryRegion, boolean outsideAllowed, Duration staleAfter, Duration handoverTimeout) {
        this(primaryRegion, outsideAllowed, staleAfter, handoverTimeout, Optional.empty());
    }

    public boolean regionMayLead(String region) {
        return outsideAllowed || primaryRegion.map(p -> p.equals(region)).orElse(true);
    }

    public boolean mayLead(Member member) {
        return regionMayLead(member.region()) && !member.tags().noFailover();
    }
}
