package dev.pgmanager.cli;

import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.Versioned;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgmanager migrate}: the cut-over of a standby cluster from the primary it streams from (postgres-flex's). */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = {
            "Moves a database over from a primary outside this cluster (a postgres-flex cluster's, for instance) with the least "
                    + "downtime. The cluster is created as that primary's standby (migration.source, PGMANAGER_MIGRATE_FROM): its "
                    + "first member clones the source, its leader streams from it and the others from the leader, while the "
                    + "source keeps serving. Then:",
            "  status     how far the leader is behind the source",
            "  cutover    the switch: the source turns read-only (ALTER SYSTEM default_transaction_read_only, its client "
                    + "sessions ended), the leader replays up to the source's last WAL, and is promoted; writes pause for "
                    + "about that long. --dry-run checks everything and changes nothing",
            "  rollback   the way back, until the source is destroyed: the source takes writes again (writes made here "
                    + "after the cut-over are not there)",
            "The source's superuser (--source-user, default postgres) signs in with PGMANAGER_MIGRATE_FROM_SUPERUSER_PASSWORD, "
                    + "else OPERATOR_PASSWORD (postgres-flex's password of postgres).",
        },
        subcommands = {MigrateCommand.Status.class, MigrateCommand.Cutover.class, MigrateCommand.Rollback.class})
final class MigrateCommand extends CommandGroup {

    /** What every subcommand needs: the cluster, and the source's superuser. */
    abstract static class SourceCommand extends ClusterCommand {
        @Option(names = "--source-user", defaultValue = "postgres", paramLabel = "ROLE",
                description = "A superuser of the source (default: ${DEFAULT-VALUE}).")
        String sourceUser;

        @Option(names = "--source-password-file", paramLabel = "FILE",
                description = "A file holding the source superuser's password (else env PGMANAGER_MIGRATE_FROM_SUPERUSER_PASSWORD, "
                        + "then OPERATOR_PASSWORD).")
        java.nio.file.Path sourcePasswordFile;

        Connection source(ClusterSpec.Source source) throws SQLException {
            String password = Optional.ofNullable(sourcePasswordFile).map(MigrateCommand::readSecret)
                    .or(() -> ClusterTarget.environment("PGMANAGER_MIGRATE_FROM_SUPERUSER_PASSWORD"))
                    .or(() -> ClusterTarget.environment("OPERATOR_PASSWORD"))
                    .orElseThrow(() -> new IllegalArgumentException("no password for the source's superuser " + sourceUser
                            + ": set PGMANAGER_MIGRATE_FROM_SUPERUSER_PASSWORD (or OPERATOR_PASSWORD)"));
            return connect(new HostPort(source.host(), source.port()), sourceUser, password);
        }

        /** The leader's own server (a standby until the cut-over), as the superuser. */
        Connection leader(ClusterSnapshot cluster) throws SQLException {
            Leader leader = cluster.leader().orElseThrow(() -> new CommandFailed("the cluster has no leader now; see pgmanager list"));
            Member member = cluster.member(leader.machineId()).orElseThrow(() -> new CommandFailed("the leader has no record"));
            String address = target.addresses().resolve(MachineId.of(leader.machineId())).map(AddressText::of)
                    .orElseThrow(() -> new CommandFailed("the leader " + leader.machineId() + " does not resolve in DNS now"));
            String password = target.superuserPassword().orElseThrow(() -> new IllegalArgumentException(
                    "no superuser password: give it in " + PrimaryDatabase.PASSWORD_SETTINGS));
            return connect(new HostPort(address, member.databasePort()), target.superuser(), password);
        }

        static ClusterSpec.Source sourceOf(ClusterSnapshot cluster) {
            return cluster.spec().value().standbyOf().orElseThrow(() -> new CommandFailed("this cluster is nobody's standby "
                    + "(its spec has no standbyOf): nothing to move over, or the cut-over is done"));
        }

        private static Connection connect(HostPort at, String user, String password) throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            p.setProperty("connectTimeout", "10");
            p.setProperty("socketTimeout", "60");
            return DriverManager.getConnection(at.jdbcUrl("postgres"), p);
        }
    }

    /** {@code migrate status}. */
    @Command(name = "status", mixinStandardHelpOptions = true, description = "How far the leader is behind the source.")
    static final class Status extends SourceCommand {
        @Override
        public Integer call() throws SQLException {
            ClusterSnapshot cluster;
            try (ZooKeeperClusterStore store = target.openStore()) {
                cluster = store.read();
            }
            ClusterSpec.Source source = sourceOf(cluster);
            PrintWriter out = out();
            try (Connection s = source(source); Connection l = leader(cluster)) {
                long sourceLsn = number(s, "SELECT pg_current_wal_lsn() - '0/0'");
                long replayed = number(l, "SELECT coalesce(pg_last_wal_replay_lsn() - '0/0', 0)");
                out.println("standby of " + source + ": the leader " + cluster.leader().map(Leader::machineId).orElse("?") + " has replayed "
                        + replayed + " of " + sourceLsn + " bytes of WAL (" + Math.max(0, sourceLsn - replayed) + " behind)"
                        + (readOnly(s) ? "; the source is read-only" : ""));
            }
            out.flush();
            return 0;
        }
    }

    /** {@code migrate cutover}. */
    @Command(name = "cutover", mixinStandardHelpOptions = true,
            description = "Makes the source read-only, waits for the leader to replay all of its WAL, and promotes the leader.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:cut over (or, with --dry-run, ready to)", "1:not ready, or the leader did not catch up in time "
                    + "(the source is made writable again: nothing changed)", "2:invalid command line or missing passwords"})
    static final class Cutover extends SourceCommand {
        @Option(names = "--dry-run", description = "Check that the cut-over can be made and say what it would do; change nothing.")
        boolean dryRun;

        @Option(names = "--catch-up", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How long the leader may take to replay the source's last WAL once the source is read-only "
                        + "(default: ${DEFAULT-VALUE}); past it the source takes writes again and nothing changed.")
        Duration catchUp;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            try (ZooKeeperClusterStore store = target.openStore()) {
                Versioned<ClusterSpec> spec = store.read().spec();
                ClusterSnapshot cluster = store.read();
                ClusterSpec.Source source = sourceOf(cluster);
                String leader = cluster.leader().map(Leader::machineId)
                        .orElseThrow(() -> new CommandFailed("the cluster has no leader now; see pgmanager list"));
                try (Connection s = source(source); Connection l = leader(cluster)) {
                    if (recovering(s)) throw new CommandFailed("the source " + source + " is itself a standby: cut over from its primary");
                    if (!recovering(l)) throw new CommandFailed("the leader " + leader + " runs as primary already");
                    long sourceSystem = number(s, "SELECT system_identifier FROM pg_control_system()");
                    long leaderSystem = number(l, "SELECT system_identifier FROM pg_control_system()");
                    if (sourceSystem != leaderSystem) {
                        throw new CommandFailed("the leader's data is not a copy of the source's (system identifier " + leaderSystem
                                + ", the source's " + sourceSystem + "): nothing was changed");
                    }
                    long sourceLsn = number(s, "SELECT pg_current_wal_lsn() - '0/0'");
                    long replayed = number(l, "SELECT coalesce(pg_last_wal_replay_lsn() - '0/0', 0)");
                    long others = cluster.members().values().stream().filter(m -> !m.machineId().equals(leader))
                            .filter(m -> m.role() != MemberRole.REPLICA).count();
                    out.println("source " + source + " at " + sourceLsn + ", the leader " + leader + " replayed " + replayed
                            + " (" + Math.max(0, sourceLsn - replayed) + " bytes behind)"
                            + (others > 0 ? "; " + others + " other member(s) not replicas: they catch up after the cut-over" : ""));
                    if (dryRun) {
                        out.println("dry run: would make the source read-only (ALTER SYSTEM SET default_transaction_read_only = on, "
                                + "reload, end its client sessions), wait up to " + catchUp.toSeconds() + " s for " + leader
                                + " to replay its last WAL, then promote " + leader + "; nothing was changed");
                        out.flush();
                        return 0;
                    }
                    long started = System.nanoTime();
                    setReadOnly(s, true);
                    boolean promoted = false;
                    try {
                        long last = number(s, "SELECT pg_current_wal_lsn() - '0/0'");
                        out.println("the source is read-only at " + last + "; waiting for " + leader + " to replay it");
                        out.flush();
                        long deadline = System.nanoTime() + catchUp.toNanos();
                        // until the leader has replayed the source's last WAL and the source wrote nothing more meanwhile
                        // (a commit already under way when its session was ended, a background worker)
                        while (true) {
                            while (number(l, "SELECT coalesce(pg_last_wal_replay_lsn() - '0/0', 0)") < last) {
                                if (System.nanoTime() > deadline) {
                                    throw new CommandFailed(leader + " did not replay the source's WAL up to " + last + " within "
                                            + catchUp.toSeconds() + " s; the source takes writes again and nothing changed");
                                }
                                Thread.sleep(50);
                            }
                            long now = number(s, "SELECT pg_current_wal_lsn() - '0/0'");
                            if (now <= last) break;
                            last = now;
                        }
                        promoted = true;
                        promote(store, spec);
                    } finally {
                        if (!promoted) setReadOnly(s, false);
                    }
                    waitUntilPrimary(store, leader, Duration.ofSeconds(60));
                    out.println("cut over in " + (System.nanoTime() - started) / 1_000_000 + " ms: " + leader + " is the primary; "
                            + "point applications at this cluster. The source stays read-only: pgmanager migrate rollback "
                            + "makes it take writes again (writes made here from now on are not there)");
                }
            }
            out.flush();
            return 0;
        }

        /** The spec without standbyOf: the leader's next pass promotes it. */
        private static void promote(ZooKeeperClusterStore store, Versioned<ClusterSpec> read) {
            Versioned<ClusterSpec> spec = read;
            for (int attempt = 0; attempt < 5; attempt++) {
                try {
                    store.compareAndSetSpec(spec.value().withStandbyOf(Optional.empty()), spec.version());
                    return;
                } catch (StaleVersionException e) {
                    spec = store.read().spec();
                }
            }
            throw new CommandFailed("the cluster's spec kept changing; the source is read-only and the leader not promoted: "
                    + "run pgmanager migrate cutover again, or pgmanager migrate rollback");
        }

        private static void waitUntilPrimary(ZooKeeperClusterStore store, String leader, Duration limit) throws InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline) {
                if (store.read().member(leader).map(m -> m.role() == MemberRole.PRIMARY).orElse(false)) return;
                Thread.sleep(100);
            }
            throw new CommandFailed(leader + " was not promoted within " + limit.toSeconds() + " s; see pgmanager list");
        }
    }

    /** {@code migrate rollback}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Makes the source take writes again (the way back until it is destroyed).")
    static final class Rollback extends SourceCommand {
        @Option(names = "--source", paramLabel = "HOST:PORT", description = "The source, once the cut-over removed it from the "
                + "spec (default: the spec's standbyOf).")
        String sourceAddress;

        @Override
        public Integer call() throws SQLException {
            ClusterSnapshot cluster;
            try (ZooKeeperClusterStore store = target.openStore()) {
                cluster = store.read();
            }
            boolean cutOver = cluster.spec().value().standbyOf().isEmpty();
            ClusterSpec.Source source = sourceAddress != null
                    ? new ClusterSpec.Source(HostPort.parse(sourceAddress).host(), HostPort.parse(sourceAddress).port(), sourceUser)
                    : sourceOf(cluster);
            try (Connection s = source(source)) {
                setReadOnly(s, false);
            }
            PrintWriter out = out();
            out.println("the source " + source.host() + ":" + source.port() + " takes writes again" + (cutOver
                    ? "; this cluster was cut over and stays a cluster of its own: writes made here since are not in the source"
                    : "; this cluster is still its standby"));
            out.flush();
            return 0;
        }
    }

    private static String readSecret(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readString(file).replaceFirst("\\R\\z", "");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The one number {@code query} answers. */
    static long number(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
            r.next();
            return r.getLong(1);
        }
    }

    static boolean recovering(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            r.next();
            return r.getBoolean(1);
        }
    }

    static boolean readOnly(Connection c) throws SQLException {
        // this session's default: it changes once the postmaster has re-read its configuration and passed it on
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT current_setting('default_transaction_read_only')")) {
            r.next();
            return r.getString(1).equals("on");
        }
    }

    /**
     * Read-only: new transactions of every session default to read-only (the server re-reads its configuration), and
     * the client sessions already open end, so that none writes after the source's last WAL position is read.
     */
    static void setReadOnly(Connection c, boolean readOnly) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(readOnly ? "ALTER SYSTEM SET default_transaction_read_only = on" : "ALTER SYSTEM RESET default_transaction_read_only");
            s.execute("SELECT pg_reload_conf()");
            // The postmaster re-reads the file on its own time: sessions it starts before that would still write
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (readOnly(c) != readOnly) {
                if (System.nanoTime() > deadline) throw new CommandFailed("the source did not apply default_transaction_read_only");
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CommandFailed("interrupted");
                }
            }
            if (readOnly) {
                // ended, and gone: a session's last commit is in the WAL before the source's position is read
                s.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                        + "AND pid <> pg_backend_pid()");
            }
        }
    }
}
