package dev.pgmanager.local;

import dev.pgmanager.config.ConfigException;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.local.LocalClusterFile.LocalMember;
import dev.pgmanager.postgres.BaseBackup;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.postgres.Upstream;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Makes a new, independent local cluster out of a consistent copy of one member's data, as a platform's volume fork
 * does: a base backup when the member's PostgreSQL runs, a copy of its data directory when the member is stopped.
 * The copy becomes the single member of a cluster of its own (its own directory, platform, store and name) that
 * promotes it onto a new timeline and can grow with {@code pgmanager local add}. The source is only read.
 */
public final class LocalFork {
    /** A base backup copies the whole cluster: give it time on a slow disk. */
    private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);

    private final LocalCluster source;
    private final String machineId;

    public LocalFork(LocalCluster source, String machineId) {
        this.source = source;
        this.machineId = machineId;
    }

    /**
     * Forks the member into a new cluster named {@code name} in {@code dir} and waits until it leads.
     *
     * @throws IllegalArgumentException when the member is unknown, the name is invalid or taken, or {@code dir} holds
     *     anything; nothing was changed then
     */
    public LocalStatus into(Path dir, String name, Duration timeout, PrintStream progress) throws IOException {
        LocalClusterFile from = source.file().orElseThrow(() -> new IllegalArgumentException("no local cluster in "
                + source.dir() + " to fork from"));
        LocalMember member = from.member(machineId).orElseThrow(() -> new IllegalArgumentException(
                machineId + " is not a member of the local cluster in " + source.dir() + " (see pgmanager local status)"));
        requireNewName(from, name);
        LocalCluster target = LocalCluster.at(dir);
        requireEmpty(target.dir());
        SidecarConfig config = memberConfig();
        Optional<Duration> sessionTimeout = Optional.of(config.store().sessionTimeout());
        // The copy holds the source's roles with their passwords; the new cluster's sidecar logs in with them.
        LocalCluster.Roles roles = new LocalCluster.Roles(from.superuserPassword(), from.replicationPassword());
        if (source.postgresRunning(machineId)) {
            progress.println("taking a base backup of " + machineId + " (its PostgreSQL runs; it is only read)");
            return target.createSeeded(name, sessionTimeout, roles, data -> baseBackup(member, config, data), timeout, progress);
        }
        if (source.sidecarPid(machineId).isPresent()) {
            throw new IllegalStateException(machineId + "'s sidecar runs but its PostgreSQL does not (it is starting or "
                    + "being repaired): its data directory is changing; fork it once it runs, or stop it with "
                    + "`pgmanager local stop " + machineId + "` to fork a copy of its data directory");
        }
        progress.println("copying the data directory of the stopped member " + machineId + " (it is only read)");
        return target.createSeeded(name, sessionTimeout, roles, data -> copyStopped(data), timeout, progress);
    }

    private void requireNewName(LocalClusterFile from, String name) {
        try {
            ValueParsers.appName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cluster '" + name + "' is not a valid cluster name: use 1 to 63 "
                    + "lower-case letters, digits or '-'");
        }
        if (name.equals(from.app())) {
            throw new IllegalArgumentException("--cluster " + name + " is the name of the cluster being forked: "
                    + "the fork is a new, independent cluster and needs a name of its own");
        }
        if (existsInStore(from, name)) {
            throw new IllegalArgumentException("a cluster named " + name + " already exists in the store at "
                    + from.storeConnectString() + ": choose another name");
        }
    }

    /** Whether the source's store holds a cluster of that name (a store that is down holds none we could clash with). */
    private static boolean existsInStore(LocalClusterFile from, String name) {
        try (ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(from.storeConnectString(), name)
                .withStartupWait(Duration.ofSeconds(5)))) {
            ClusterSnapshot snapshot = store.read();
            return snapshot.identity().isPresent() || !snapshot.members().isEmpty() || snapshot.lastEpoch() > 0;
        } catch (StoreException e) {
            return false;
        }
    }

    private static void requireEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--dir " + dir + " is a file, not a directory");
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("--dir " + dir + " is not empty: the fork needs a new or empty directory "
                        + "(nothing in it was touched)");
            }
        }
    }

    private SidecarConfig memberConfig() {
        try {
            return SidecarConfigLoader.load(Optional.of(source.memberConfig(machineId)), Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException("cannot read " + machineId + "'s configuration: " + e.getMessage(), e);
        }
    }

    /** pg_basebackup as the postgres OS user, streaming WAL through a temporary slot: nothing stays on the source. */
    private void baseBackup(LocalMember member, SidecarConfig config, Path data) {
        Credentials replication = new Credentials(config.postgres().replicationUser(), config.postgres().replicationPassword());
        Upstream upstream = Upstream.of(member.address(), member.pgPort(), replication);
        new BaseBackup(PgBinaries.locate(config.postgres().binDir()), OsUser.named(config.postgres().osUser()))
                .copy(upstream, data, "fork-of-" + machineId, COPY_TIMEOUT);
    }

    /**
     * A copy of a stopped member's data directory, as a volume fork copies the disk. What belonged to the source
     * machine is left out of the copy: its PID file (a killed member leaves one) and its replication slots (they would
     * hold WAL for members the new cluster does not have). The sidecar rewrites the server's settings at start.
     */
    private void copyStopped(Path data) throws IOException {
        LocalCluster.copyPreserving(source.memberData(machineId), data);
        Files.deleteIfExists(data.resolve("postmaster.pid"));
        Path slots = data.resolve("pg_replslot");
        if (Files.isDirectory(slots)) {
            try (Stream<Path> paths = Files.walk(slots)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(slots)).toList()) {
                    Files.delete(path);
                }
            }
        }
    }
}
