package dev.pgmanager.platform;

import dev.pgmanager.backup.BackupSet;
import dev.pgmanager.backup.RecoveryTarget;
import dev.pgmanager.backup.Restore;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.config.StoreSecret;
import dev.pgmanager.fork.ForkChecks;
import dev.pgmanager.platform.s3.LocalObjectStorage;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Makes a new, independent local cluster out of another local cluster's backups, as {@code pgmanager restore} does on
 * Fly: the source's object storage is served read-only by an S3 server of this command's own (so the source need not
 * run, or even have members left: only its backups), the restore replays the archive to the target, and the result
 * becomes the single member of a cluster with its own name, store, platform and repository path. The source is only
 * read.
 */
public final class LocalRestore {
    private final LocalCluster source;

    public LocalRestore(LocalCluster source) {
        this.source = source;
    }

    /**
     * Restores into a new cluster {@code name} in {@code dir} and waits until it leads.
     *
     * @throws IllegalArgumentException when the source has no backups, the name is invalid or taken, or {@code dir}
     *     holds anything; nothing was changed then
     */
    public LocalStatus into(Path dir, String name, Optional<String> from, RecoveryTarget target, Duration timeout,
            PrintStream progress) throws IOException {
        LocalClusterFile file = source.file().orElseThrow(() -> new IllegalArgumentException("no local cluster in " + source.dir()
                + " to restore from"));
        if (!file.hasBackups()) {
            throw new IllegalArgumentException("the local cluster in " + source.dir() + " was made without backups (--no-backups): "
                    + "there is nothing to restore from");
        }
        ForkChecks.requireNewName(name, file.app(), file.storeConnectString(), Optional.of(StoreSecret.derive(name, file.superuserPassword())));
        LocalCluster newCluster = LocalCluster.at(dir);
        ForkChecks.requireEmptyDirectory(newCluster.dir(), "--dir");
        LocalClusterFile.ObjectStorage s3 = file.objectStorage();
        LocalCluster.Roles roles = new LocalCluster.Roles(file.superuserPassword(), file.replicationPassword());
        Path objects = LocalLayout.of(source.dir()).objectStorage();
        int port = LocalCluster.freePort("127.0.0.1");
        try (LocalObjectStorage storage = LocalObjectStorage.start(objects, new InetSocketAddress("127.0.0.1", port), s3.bucket(),
                s3.accessKeyId(), s3.secretAccessKey())) {
            BackupConfig.Repository repository = new BackupConfig.Repository(s3.bucket(), storage.endpoint(),
                    LocalObjectStorage.REGION, s3.accessKeyId(), s3.secretAccessKey(), "/pgmanager/" + file.app(),
                    Optional.of(storage.caFile()));
            Restore restore = new Restore(repository, file.app(), OsUser.named("postgres"), PgBinaries.locate(Optional.empty()),
                    Clock.systemUTC());
            // Before the new cluster's directory gets anything: a target out of reach changes nothing.
            String label = restore.check(from, target).label();
            return newCluster.createSeeded(name, Optional.empty(), roles, data -> {
                BackupSet start = restore.into(data, Optional.of(label), target, data.resolveSibling("restore"), progress::println);
                progress.println("restored backup " + start.label() + " of " + file.app() + " to " + target);
            }, timeout, progress);
        }
    }

}
