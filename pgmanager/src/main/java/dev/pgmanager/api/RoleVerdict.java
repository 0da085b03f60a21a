package dev.pgmanager.api;

import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.Observation;
import java.util.Locale;
import java.util.Optional;

/**
 * What the role checks say of this member, Fly's on port 5500 and {@code /health/role} alike: its role when PostgreSQL's
 * role agrees with the lease, else why not.
 *
 * @param role {@code primary} or {@code replica}; empty when they disagree or PostgreSQL does not run
 * @param problem why there is no role (empty text when there is one)
 */
record RoleVerdict(Optional<String> role, String problem) {

    static RoleVerdict of(Observation o) {
        LocalPostgres local = o.local();
        if (!local.running()) return problem("PostgreSQL is not running (" + MemberJson.role(o) + ")");
        if (local.isPrimary() && o.iLead()) return new RoleVerdict(Optional.of("primary"), "");
        if (local.isPrimary()) {
            return problem("PostgreSQL runs as primary but this member does not hold the lease ("
                    + o.leaseState().name().toLowerCase(Locale.ROOT) + ")");
        }
        if (local.isReplica() && o.iLead()) return problem("this member holds the lease and is not promoted yet");
        if (local.isReplica()) return new RoleVerdict(Optional.of("replica"), "");
        return problem("PostgreSQL runs but its role is not known yet");
    }

    private static RoleVerdict problem(String why) {
        return new RoleVerdict(Optional.empty(), why);
    }
}
