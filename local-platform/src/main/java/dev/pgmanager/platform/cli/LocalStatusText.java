package dev.pgmanager.platform.cli;

import dev.pgmanager.platform.LocalStatus;
import java.nio.file.Path;

/** The people's form of a local cluster's status. */
final class LocalStatusText {
    private LocalStatusText() {}

    /** The members, the leader and the DATABASE_URL, the password shown only if {@code password} asks. */
    static String table(LocalStatus status, PasswordOption password, Path dir) {
        return table(password.printable(status)) + password.hint(dir);
    }

    private static String table(LocalStatus status) {
        StringBuilder out = new StringBuilder();
        String format = "%-16s %-12s %-12s %8s %10s %-16s %6s %6s %8s%n";
        out.append(String.format(format, "MACHINE ID", "ROLE", "STATE", "TIMELINE", "LAG", "ADDRESS", "PG", "API", "PID"));
        for (LocalStatus.MemberStatus m : status.members()) {
            out.append(String.format(format, m.machineId() + (m.machineId().equals(status.leader()) ? " *" : ""), m.role(),
                    m.state(), m.timeline(), m.lagBytes() == null ? "-" : m.lagBytes(), m.address(), m.pgPort(), m.apiPort(),
                    m.pid() == null ? "-" : m.pid()));
        }
        out.append(status.leader() == null ? "no leader\n" : "leader " + status.leader() + ", epoch " + status.epoch() + "\n");
        out.append("DATABASE_URL=").append(status.databaseUrl()).append('\n');
        return out.toString();
    }
}
