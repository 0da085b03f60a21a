package dev.pgmanager.platform;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.config.BaseBackupSettings;
import dev.pgmanager.config.ConfigException;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.StoreSecret;
import dev.pgmanager.fork.ForkBackup;
import dev.pgmanager.fork.ForkChecks;
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
        ForkChecks.requireNewName(name, from.app(), from.storeConnectString(),
                Optional.of(StoreSecret.derive(name, from.superuserPassword())));
        LocalCluster target = LocalCluster.at(dir);
        ForkChecks.requireEmptyDirectory(target.dir(), "--dir");
        SidecarConfig config = memberConfig();
        Optional<Duration> sessionTimeout = Optional.of(config.store().sessionTimeout());
        // The copy holds the source's roles with their passwords; the new cluster's sidecar logs in with them.
        LocalCluster.Roles roles = new LocalCluster.Roles(from.superuserPassword(), from.replicationPassword());
        if (source.postgresRunning(machineId)) {
            progress.println("taking a base backup of " + machineId + " (its PostgreSQL runs; it is only read)");
            BaseBackupSettings settings = BaseBackupSettings.of(config.postgres());
            return target.createSeeded(name, sessionTimeout, roles,
                    data -> ForkBackup.copy(settings, machineId, member.address(), member.pgPort(), data), timeout, progress);
        }
        if (source.sidecarPid(machineId).isPresent()) {
            throw new IllegalStateException(machineId + "'s sidecar runs but its PostgreSQL does not (it is starting or "
                    + "being repaired): its data directory is changing; fork it once it runs, or stop it with "
                    + "`pgmanager local stop " + machineId + "` to fork a copy of its data directory");
        }
        progress.println("copying the data directory of the stopped member " + machineId + " (it is only read)");
        return target.createSeeded(name, sessionTimeout, roles, data -> copyStopped(data), timeout, progress);
    }

    private SidecarConfig memberConfig() {
        try {
            return SidecarConfigLoader.load(Optional.of(source.memberConfig(machineId)), Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException("cannot read " + machineId + "'s configuration: " + e.getMessage(), e);
        }
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
