package dev.pgmanager.doctor;

import dev.pgmanager.postgres.Lsn;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Each member runs (sidecar and PostgreSQL), with its role, timeline, WAL positions and lag behind the leader. */
final class MemberCheck implements Check {
    /** The default {@code ha.maximum_lag_on_failover}: a replica further behind is not promoted. */
    static final long LAG_LIMIT_BYTES = 16L * 1024 * 1024;

    @Override
    public String name() {
        return "member";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        Fixes fixes = facts.fixes();
        boolean noPassword = facts.members().values().stream()
                .anyMatch(m -> m.serverError().filter(e -> e.startsWith("no superuser password")).isPresent());
        if (noPassword) {
            findings.add(Finding.warning(name(), facts.cluster(), "PostgreSQL was not read directly: no superuser password; "
                    + "upstreams, slots and timeline histories are not checked", "export SU_PASSWORD=<the superuser's password>, "
                    + "then " + fixes.pgmanager("doctor")));
        }
        long leaderPosition = facts.leader().map(MemberFacts::position).orElse(-1L);
        for (MemberFacts m : facts.members().values()) {
            String id = m.machineId().value();
            if (facts.snapshot().isPresent() && m.record().isEmpty()) {
                findings.add(Finding.critical(name(), id, id + " has no record in the store: its sidecar is not running or "
                        + "cannot reach the store", fixes.startMember(id)));
                continue;
            }
            if (m.apiError().isPresent()) {
                findings.add(Finding.warning(name(), id, "the API of " + id + " at " + m.address().orElse("?") + ":" + m.apiPort()
                        + " does not answer: " + m.apiError().get(), fixes.startMember(id)));
            }
            if (m.serverError().isPresent() && !noPassword) {
                // A restart is refused there: pg_rewind may have left the data half-rewound.
                boolean rewindFailed = m.record().map(r -> r.state() == MemberState.STOPPED_AFTER_FAILED_REWIND).orElse(false);
                findings.add(Finding.critical(name(), id, "PostgreSQL of " + id + " at " + m.address().orElse("?") + ":"
                        + m.databasePort() + " cannot be read: " + m.serverError().get()
                        + (rewindFailed ? "; its sidecar keeps it stopped since a rejoin's pg_rewind failed" : ""),
                        fixes.pgmanager((rewindFailed ? "reinit " : "restart ") + id)));
                continue;
            }
            boolean leads = facts.leaderLease().map(l -> l.machineId().equals(id)).orElse(false);
            long lag = leads || leaderPosition < 0 || m.position() < 0 ? -1 : Math.max(0, leaderPosition - m.position());
            String summary = describe(m, lag);
            if (lag > LAG_LIMIT_BYTES) {
                findings.add(Finding.warning(name(), id, summary + ": more than " + LAG_LIMIT_BYTES + " bytes behind, so it "
                        + "cannot be promoted", "watch it catch up with " + fixes.pgmanager("list")
                        + "; if it keeps falling behind, " + fixes.pgmanager("reinit " + id)));
            } else {
                findings.add(Finding.ok(name(), id, summary));
            }
        }
        return findings;
    }

    private static String describe(MemberFacts m, long lag) {
        StringBuilder text = new StringBuilder(m.machineId().value()).append(": ");
        Optional<ServerFacts> server = m.server();
        if (server.isPresent()) {
            ServerFacts s = server.get();
            text.append(s.primary() ? "primary" : "replica");
            s.receiver().ifPresent(r -> text.append(", WAL receiver ").append(r.status()));
            text.append(", timeline ").append(s.timeline());
            if (s.primary()) {
                text.append(", writes at ").append(s.current().map(Lsn::toString).orElse("?"));
            } else {
                text.append(", received ").append(s.received().map(Lsn::toString).orElse("?"))
                        .append(", replayed ").append(s.replayed().map(Lsn::toString).orElse("?"));
            }
        } else if (m.record().isPresent()) {
            Member r = m.record().get();
            text.append(r.role().name().toLowerCase(Locale.ROOT)).append(" (as its store record says), ").append(r.state().word())
                    .append(", timeline ").append(r.timeline());
        } else {
            text.append("role unknown (neither its server nor the store could be read)");
        }
        if (lag >= 0) text.append(", lag ").append(lag).append(" bytes");
        return text.toString();
    }
}
