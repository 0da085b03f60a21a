package dev.pgmanager.cli;

import dev.pgmanager.config.BaseBackupSettings;
import dev.pgmanager.fork.ForkBackup;
import dev.pgmanager.fork.ForkChecks;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.CommandFailedException;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Forks a member of a cluster reached through its store (from any machine that reaches the store, the member's DNS and
 * its PostgreSQL port): checks everything first, then takes a base backup of the member, at the address its name
 * resolves to now, into a data directory on this machine. The copy is the data of a new cluster's first member: a
 * sidecar started on it with the new cluster's name finds data but no leader and no identity in its store path, so it
 * takes the lease, promotes the copy onto a new timeline and records the identity. The source is only read.
 */
final class StoreFork {
    /** Where a stopped member's data can be copied from instead: only where its volume is. */
    static final String STOPPED_MEMBER_ADVICE = "a stopped member's data directory cannot be copied through the store: "
            + "fork its volume where it is (on Fly.io scripts/fork-and-attach, i.e. fly pg create --fork-from APP:VOLUME; "
            + "on a local cluster pgmanager local fork --from ID --cluster NEW_NAME --source-dir DIR)";

    private final ClusterTarget source;
    private final BaseBackupSettings settings;

    StoreFork(ClusterTarget source, BaseBackupSettings settings) {
        this.source = source;
        this.settings = settings;
    }

    /**
     * Copies member {@code machineId} of the source cluster into {@code dataDir}, as the data of the new cluster
     * {@code newName}.
     *
     * @return the member as its record was when the copy began
     * @throws IllegalArgumentException when the member is not a live member, the name is invalid or taken, the directory
     *     holds anything, or no store secret is given; nothing was changed then
     * @throws CommandFailed when the member's PostgreSQL does not run, it does not resolve, or the copy fails
     */
    Member copy(String machineId, String newName, Path dataDir, PrintWriter progress) throws IOException {
        ForkChecks.requireEmptyDirectory(dataDir, "--data-dir");
        ClusterTarget.Target target = source.target();
        if (target.storeSecret().isEmpty()) {
            // Every cluster's znodes carry a digest ACL: without the secret the source cannot even be read.
            throw new IllegalArgumentException("no store secret for cluster " + target.cluster() + ": set SU_PASSWORD or "
                    + "PGMANAGER_SUPERUSER_PASSWORD (the source's superuser password, which the copy keeps), or "
                    + "PGMANAGER_STORE_AUTH; each may name a file with _FILE");
        }
        ClusterSnapshot cluster;
        try (ZooKeeperClusterStore store = source.openStore()) {
            cluster = store.read();
        }
        Member member = liveMember(cluster, machineId, target);
        if (member.role() != MemberRole.PRIMARY && member.role() != MemberRole.REPLICA) {
            throw new CommandFailed(machineId + "'s PostgreSQL does not run (" + member.role().name().toLowerCase(Locale.ROOT)
                    + ", " + member.state() + "): a base backup needs a running server; fork it once it runs, or: "
                    + STOPPED_MEMBER_ADVICE);
        }
        ForkChecks.requireNewName(newName, target.cluster(), target.store(), ClusterTarget.storeSecretFromEnvironment(newName));
        InetAddress address = source.addresses().resolve(MachineId.of(machineId)).orElseThrow(() -> new CommandFailed(machineId
                + " does not resolve in DNS now (asked " + (target.dnsServers().isEmpty() ? "the system resolver" : target.dnsServers())
                + "; --dns-server names others); nothing was copied"));
        String host = AddressText.of(address);
        progress.println("taking a base backup of " + machineId + " (" + member.role().name().toLowerCase(Locale.ROOT)
                + " of " + target.cluster() + ", at " + host + " port " + member.databasePort() + " now; it is only read) into "
                + dataDir);
        progress.flush();
        try {
            ForkBackup.copy(settings, machineId, host, member.databasePort(), dataDir);
        } catch (CommandFailedException failed) {
            throw new CommandFailed("the base backup of " + machineId + " failed: " + failed.getMessage() + "; " + leftIn(dataDir),
                    failed);
        }
        return member;
    }

    private static Member liveMember(ClusterSnapshot cluster, String machineId, ClusterTarget.Target target) {
        return cluster.member(machineId).orElseThrow(() -> new IllegalArgumentException(machineId + " is not a live member "
                + "of cluster " + target.cluster() + " in the store at " + target.store() + " (members now: "
                + (cluster.members().isEmpty() ? "none: is the cluster's name right?" : String.join(", ", cluster.members().keySet()))
                + "). A member whose sidecar is stopped has no record there; " + STOPPED_MEMBER_ADVICE));
    }

    /** pg_basebackup empties the directory when it fails; say so, or what is left. */
    private static String leftIn(Path dataDir) {
        if (!Files.exists(dataDir)) return "nothing was written";
        try (Stream<Path> entries = Files.list(dataDir)) {
            return entries.findAny().isEmpty()
                    ? dataDir + " is left empty"
                    : "what was copied is kept in " + dataDir + " for inspection: empty it before trying again";
        } catch (IOException | RuntimeException unreadable) {
            return "see what is left in " + dataDir;
        }
    }
}
